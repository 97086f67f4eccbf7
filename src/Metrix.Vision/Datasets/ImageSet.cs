namespace Metrix.Vision.Datasets;

/// <summary>
/// One split of a dataset (train, test, query, gallery): its images with class labels and how to read their
/// bytes. Labels of a split are contiguous from 0 (In-Shop's query and gallery share one label space).
/// </summary>
public sealed class ImageSet
{
    private readonly Func<string, byte[]> _read;

    /// <summary>A split named <paramref name="name"/> whose bytes come from <paramref name="read"/> (given an item's path).</summary>
    public ImageSet(string name, IReadOnlyList<ImageItem> items, Func<string, byte[]> read)
    {
        Name = name;
        Items = items;
        _read = read;
        ClassCount = items.Count == 0 ? 0 : items.Select(i => i.Label).Distinct().Count();
    }

    /// <summary>A split of files on disk; items hold full paths.</summary>
    public static ImageSet FromFiles(string name, IReadOnlyList<ImageItem> items) => new(name, items, File.ReadAllBytes);

    /// <summary>train, test, query or gallery.</summary>
    public string Name { get; }

    /// <summary>The images in a fixed order.</summary>
    public IReadOnlyList<ImageItem> Items { get; }

    /// <summary>Number of images.</summary>
    public int Count => Items.Count;

    /// <summary>Number of distinct labels.</summary>
    public int ClassCount { get; }

    /// <summary>The labels in item order.</summary>
    public int[] Labels() => Items.Select(i => i.Label).ToArray();

    /// <summary>The encoded bytes of image <paramref name="index"/>.</summary>
    public byte[] ReadBytes(int index) => _read(Items[index].Path);

    /// <summary>
    /// The images of <paramref name="indices"/> as a new split named <paramref name="name"/>; with
    /// <paramref name="relabel"/> their labels are renumbered 0.. in order of first appearance.
    /// </summary>
    public ImageSet Subset(string name, IEnumerable<int> indices, bool relabel)
    {
        var picked = indices.Select(i => Items[i]).ToList();
        if (relabel)
        {
            var map = new Dictionary<int, int>();
            picked = picked.Select(i => i with { Label = map.TryGetValue(i.Label, out var l) ? l : map[i.Label] = map.Count }).ToList();
        }
        return new ImageSet(name, picked, _read);
    }
}
