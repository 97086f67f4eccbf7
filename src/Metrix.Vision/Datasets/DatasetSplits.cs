namespace Metrix.Vision.Datasets;

/// <summary>A dataset as the release splits it: <c>train</c> and <c>test</c>, or for In-Shop <c>train</c>, <c>query</c> and <c>gallery</c>.</summary>
public sealed class DatasetSplits
{
    /// <summary>
    /// The dataset <paramref name="name"/> with its splits, in order, read from <paramref name="location"/>
    /// (null for the embedded set); <paramref name="warnings"/> name what was skipped and why, and
    /// <paramref name="missingImages"/> the images the lists name that do not exist.
    /// </summary>
    public DatasetSplits(string name, IReadOnlyList<ImageSet> splits, string? location = null, IReadOnlyList<string>? warnings = null,
        IReadOnlyList<string>? missingImages = null)
    {
        Name = name;
        Splits = splits;
        Location = location;
        Warnings = warnings ?? [];
        MissingImages = missingImages ?? [];
    }

    /// <summary>The dataset's name (cub, cars, sop, inshop, folder, emoji).</summary>
    public string Name { get; }

    /// <summary>The splits in order (train first).</summary>
    public IReadOnlyList<ImageSet> Splits { get; }

    /// <summary>The directory the dataset was read from (null when embedded).</summary>
    public string? Location { get; }

    /// <summary>
    /// What was left out while reading the lists, one line each naming the file and line or path: images a
    /// list names that do not exist, files that are not images, empty class folders. The rest of the
    /// dataset is read as usual.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The full paths of images the lists name that do not exist (each also in <see cref="Warnings"/>); they are in no split.</summary>
    public IReadOnlyList<string> MissingImages { get; }

    /// <summary>The split called <paramref name="split"/>.</summary>
    public ImageSet this[string split] => Splits.FirstOrDefault(s => s.Name == split)
        ?? throw new KeyNotFoundException($"dataset '{Name}' has no split '{split}' (it has {string.Join(", ", Splits.Select(s => s.Name))})");

    /// <summary>The training split.</summary>
    public ImageSet Train => this["train"];

    /// <summary>True when the dataset is evaluated query against gallery (In-Shop).</summary>
    public bool HasGallery => Splits.Any(s => s.Name == "gallery");
}
