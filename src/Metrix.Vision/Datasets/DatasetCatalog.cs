namespace Metrix.Vision.Datasets;

/// <summary>The datasets <c>--dataset</c> accepts, each split exactly as the release splits it (docs/datasets.md).</summary>
public static class DatasetCatalog
{
    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["emoji", "cub", "cars", "sop", "inshop", "folder"];

    /// <summary>
    /// Loads the lists of <paramref name="name"/> under <paramref name="dataRoot"/>: cub, cars, sop and
    /// inshop in their distributed folders under it, folder from it directly, emoji from the assembly
    /// (the root is not used).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the accepted ones.</exception>
    /// <exception cref="DatasetException">The dataset is missing or malformed; the message names the path and the layout expected.</exception>
    public static DatasetSplits Load(string name, string dataRoot) => name switch
    {
        "emoji" => EmojiDataset.Load(),
        "cub" => CubDataset.Load(dataRoot),
        "cars" => CarsDataset.Load(dataRoot),
        "sop" => SopDataset.Load(dataRoot),
        "inshop" => InShopDataset.Load(dataRoot),
        "folder" => ImageFolderDataset.Load(dataRoot),
        _ => throw new ArgumentException($"unknown dataset '{name}'; accepted: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>Where <paramref name="name"/> is expected under <paramref name="dataRoot"/> and how to get it (empty for emoji).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static string Layout(string name, string dataRoot) => name switch
    {
        "emoji" => "",
        "cub" => CubDataset.Layout(dataRoot),
        "cars" => CarsDataset.Layout(dataRoot),
        "sop" => SopDataset.Layout(dataRoot),
        "inshop" => InShopDataset.Layout(dataRoot),
        "folder" => ImageFolderDataset.Layout(dataRoot),
        _ => throw new ArgumentException($"unknown dataset '{name}'; accepted: {string.Join(", ", Names)}", nameof(name)),
    };
}
