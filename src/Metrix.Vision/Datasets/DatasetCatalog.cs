namespace Metrix.Vision.Datasets;

/// <summary>The datasets <c>--dataset</c> accepts, each split exactly as the release splits it (SPEC §6).</summary>
public static class DatasetCatalog
{
    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["emoji", "cub", "cars", "sop", "inshop", "folder"];

    /// <summary>Loads the lists of <paramref name="name"/> under <paramref name="dataRoot"/> (emoji needs no root).</summary>
    public static DatasetSplits Load(string name, string dataRoot) => name switch
    {
        "emoji" => EmojiDataset.Load(),
        _ when Names.Contains(name) => throw new NotSupportedException($"dataset '{name}' is not built yet"),
        _ => throw new ArgumentException($"unknown dataset '{name}'; accepted: {string.Join(", ", Names)}", nameof(name)),
    };
}
