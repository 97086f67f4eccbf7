using Metrix.Evaluation;
using Metrix.Vision.Datasets;

namespace Metrix.Training;

/// <summary>The datasets <c>--dataset</c> accepts, each split exactly as the release splits it (docs/datasets.md).</summary>
public static class DatasetDescriptors
{
    /// <summary>Every dataset, in the order help lists them.</summary>
    public static IReadOnlyList<DatasetDescriptor> All { get; } =
    [
        new(DatasetKind.Emoji, "emoji", Balanced: true, RetrievalProtocol.Cub with { Name = "emoji" }, TrainDefaults.Emoji,
            _ => EmojiDataset.Load(), _ => ""),
        new(DatasetKind.Cub, "cub", Balanced: false, RetrievalProtocol.Cub, TrainDefaults.Release, CubDataset.Load, CubDataset.Layout),
        new(DatasetKind.Cars, "cars", Balanced: false, RetrievalProtocol.Cub with { Name = "cars" }, TrainDefaults.Release,
            CarsDataset.Load, CarsDataset.Layout),
        new(DatasetKind.Sop, "sop", Balanced: true, RetrievalProtocol.Sop, TrainDefaults.Release, SopDataset.Load, SopDataset.Layout),
        new(DatasetKind.InShop, "inshop", Balanced: true, RetrievalProtocol.InShop, TrainDefaults.Release, InShopDataset.Load, InShopDataset.Layout),
        new(DatasetKind.Folder, "folder", Balanced: false, RetrievalProtocol.Cub with { Name = "folder" }, TrainDefaults.Release,
            ImageFolderDataset.Load, ImageFolderDataset.Layout),
    ];

    /// <summary>The descriptor of <paramref name="kind"/>.</summary>
    public static DatasetDescriptor For(DatasetKind kind) => All.First(d => d.Kind == kind);

    /// <summary>The descriptor named <paramref name="name"/>.</summary>
    /// <exception cref="OptionException">Unknown name; the message lists the accepted ones.</exception>
    public static DatasetDescriptor Parse(string name) => For(SettingChoices.Dataset.Parse(name));

    /// <summary>The descriptor named <paramref name="name"/>, ignoring case, or null.</summary>
    public static DatasetDescriptor? Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}
