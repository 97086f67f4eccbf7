using System.IO.Compression;
using System.Text;

namespace Metrix.Vision.Datasets;

/// <summary>
/// The embedded emoji dataset (1,906 classes, 7,562 images; ATTRIBUTION.md): each class is one emoji drawn
/// by Google and by Twitter, with its skin-tone variations; classes alternate train (even position) and
/// test (odd). Retrieval across the two vendors' styles, like products shot by different sellers. Needs
/// no download: the PNGs are read from the assembly's resources.
/// </summary>
public static class EmojiDataset
{
    /// <summary>Name of the embedded resource.</summary>
    public const string ResourceName = "Metrix.Vision.emoji.zip";

    private static readonly Lazy<Archive> Content = new(Read, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The train and test splits; item paths are archive entries.</summary>
    public static DatasetSplits Load()
    {
        var archive = Content.Value;
        return new DatasetSplits("emoji", [Split(archive, "train"), Split(archive, "test")]);
    }

    /// <summary>The short names of a split's classes, indexed by label (e.g. <c>grinning</c>).</summary>
    public static IReadOnlyList<string> ClassNames(string split) =>
        Content.Value.Rows.Where(r => r.Split == split).Select(r => (r.Class, r.ShortName)).Distinct().OrderBy(p => p.Class)
            .Select(p => p.ShortName).ToList();

    private static ImageSet Split(Archive archive, string split)
    {
        var rows = archive.Rows.Where(r => r.Split == split).ToList();
        var labels = new Dictionary<int, int>();
        var items = rows.Select(r => new ImageItem(r.Path, labels.TryGetValue(r.Class, out int l) ? l : labels[r.Class] = labels.Count)).ToList();
        return new ImageSet(split, items, path => archive.Files.TryGetValue(path, out var bytes)
            ? bytes
            : throw new KeyNotFoundException($"{ResourceName} has no entry '{path}'"));
    }

    private sealed record Row(string Path, int Class, string Split, string Vendor, string ShortName);

    private sealed record Archive(IReadOnlyList<Row> Rows, IReadOnlyDictionary<string, byte[]> Files);

    private static Archive Read()
    {
        using var stream = typeof(EmojiDataset).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the assembly has no resource {ResourceName}: rebuild with tools/emoji/build.py");
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        string? manifest = null;
        foreach (var entry in zip.Entries)
        {
            using var s = entry.Open();
            using var buffer = new MemoryStream((int)entry.Length);
            s.CopyTo(buffer);
            if (entry.FullName == "manifest.tsv") manifest = Encoding.UTF8.GetString(buffer.ToArray());
            else files[entry.FullName] = buffer.ToArray();
        }
        if (manifest is null) throw new InvalidDataException($"{ResourceName} has no manifest.tsv");
        var rows = new List<Row>();
        foreach (var line in manifest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var f = line.Split('\t');
            if (f.Length < 6) throw new InvalidDataException($"{ResourceName}: bad manifest line '{line}'");
            rows.Add(new Row(f[0], int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), f[2], f[3], f[5]));
        }
        return new Archive(rows, files);
    }
}
