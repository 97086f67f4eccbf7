namespace Metrix.Vision.Datasets;

/// <summary>A dataset as the release splits it: <c>train</c> and <c>test</c>, or for In-Shop <c>train</c>, <c>query</c> and <c>gallery</c>.</summary>
public sealed class DatasetSplits
{
    /// <summary>The dataset <paramref name="name"/> with its splits, in order.</summary>
    public DatasetSplits(string name, IReadOnlyList<ImageSet> splits)
    {
        Name = name;
        Splits = splits;
    }

    /// <summary>The dataset's name (cub, cars, sop, inshop, folder, emoji).</summary>
    public string Name { get; }

    /// <summary>The splits in order (train first).</summary>
    public IReadOnlyList<ImageSet> Splits { get; }

    /// <summary>The split called <paramref name="split"/>.</summary>
    public ImageSet this[string split] => Splits.FirstOrDefault(s => s.Name == split)
        ?? throw new KeyNotFoundException($"dataset '{Name}' has no split '{split}' (it has {string.Join(", ", Splits.Select(s => s.Name))})");

    /// <summary>The training split.</summary>
    public ImageSet Train => this["train"];

    /// <summary>True when the dataset is evaluated query against gallery (In-Shop).</summary>
    public bool HasGallery => Splits.Any(s => s.Name == "gallery");
}
