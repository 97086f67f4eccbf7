namespace Metrix.Vision.Datasets;

/// <summary>
/// The reading rules the on-disk datasets share: class folders in torchvision ImageFolder's order, images
/// listed by a file checked for existence, labels numbered in class order, and errors that say where the
/// dataset was looked for and what should be there.
/// </summary>
internal static class DatasetFiles
{
    /// <summary>torchvision 0.8's ImageFolder extensions (the release's version), compared ignoring case.</summary>
    public static readonly string[] ImageFolderExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>One image a list names: its full path, the dataset's class number, and where it was listed.</summary>
    public readonly record struct Listed(string Path, long Class, string Source);

    /// <summary>Throws the "not found" error of <paramref name="title"/> unless <paramref name="directory"/> exists.</summary>
    public static void RequireDirectory(string directory, string dataRoot, string title, string layout)
    {
        if (!Directory.Exists(directory)) throw NotFound(title, directory, dataRoot, layout);
    }

    /// <summary>Throws the "not found" error of <paramref name="title"/> unless <paramref name="file"/> exists.</summary>
    public static void RequireFile(string file, string dataRoot, string title, string layout)
    {
        if (!File.Exists(file)) throw NotFound(title, file, dataRoot, layout);
    }

    private static DatasetException NotFound(string title, string missing, string dataRoot, string layout)
    {
        string root = Path.GetFullPath(dataRoot);
        string note = Directory.Exists(root) ? "" : $" (--data_root {root} does not exist)";
        return new DatasetException($"{title} not found: {missing} does not exist{note}\n{layout}");
    }

    /// <summary>
    /// The full path of <paramref name="relative"/>, an image path read from <paramref name="where"/> (a list
    /// file and its line), under <paramref name="root"/>. An absolute path, a '..' part, or a path that otherwise
    /// resolves outside the root is refused: a list file must not make us read anything else.
    /// </summary>
    /// <exception cref="DatasetException">The path leaves <paramref name="root"/>.</exception>
    public static string Inside(string root, string relative, string title, string where)
    {
        string why = relative.Length == 0 ? "is empty"
            : Path.IsPathRooted(relative) || relative.StartsWith('/') || relative.StartsWith('\\') ? "is absolute"
            : relative.Split('/', '\\').Contains("..") ? "has a '..' part"
            : relative.Contains('\0') ? "holds a NUL character"
            : "";
        string full = why.Length == 0 ? Path.GetFullPath(Path.Combine(root, relative)) : "";
        string rootFull = Path.GetFullPath(root);
        if (why.Length == 0 && !DirectoryWalk.IsWithin(full, rootFull.TrimEnd(Path.DirectorySeparatorChar))) why = "resolves outside it";
        if (why.Length > 0)
            throw new DatasetException($"{title}: {where}: image path '{relative}' {why}; paths must stay inside {rootFull}");
        return full;
    }

    /// <summary>The lines of a list file; read errors name the file.</summary>
    public static string[] ReadLines(string file, string title)
    {
        try
        {
            return File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{title}: cannot read {file}: {e.Message}", e);
        }
    }

    /// <summary>The class folders of <paramref name="root"/>: sub-directories not starting with '.', in ordinal name order (Python's <c>sorted</c>).</summary>
    public static string[] ClassFolders(string root) =>
        Directory.EnumerateDirectories(root, "*", Visible)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// The images of a class folder and its sub-folders in ImageFolder's order (folders by path, then file
    /// names, both ordinal), walked by <see cref="DirectoryWalk"/> so that link loops end and special files are
    /// not opened. Names starting with '.' are left out (the release drops <c>._*</c> files, the resource forks
    /// of macOS archives); other files whose extension is not in <paramref name="extensions"/> are added to
    /// <paramref name="ignored"/>.
    /// </summary>
    public static List<string> ImagesOf(string classFolder, IReadOnlyCollection<string> extensions, List<string> ignored, DirectoryWalk.State walk)
    {
        var images = new List<string>();
        foreach (var file in DirectoryWalk.Files(classFolder, walk))
        {
            if (extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase)) images.Add(file);
            else ignored.Add(file);
        }
        return images;
    }

    /// <summary>
    /// The entries of <paramref name="listed"/> whose image exists, in order; each missing one becomes a
    /// warning naming its path and where it was listed, and its path goes to <paramref name="missing"/>.
    /// When none exists the images were not unpacked where expected: a <see cref="DatasetException"/>
    /// says so with <paramref name="layout"/>.
    /// </summary>
    public static List<Listed> Existing(IReadOnlyList<Listed> listed, List<string> warnings, List<string> missing, string title, string layout)
    {
        // A FIFO or device listed as an image would block or never end when decoded: left out like a missing one.
        var exists = new bool[listed.Count];
        Parallel.For(0, listed.Count, i => exists[i] = DirectoryWalk.IsReadableFile(listed[i].Path)
            || (File.Exists(listed[i].Path) && DirectoryWalk.RealPath(listed[i].Path) is { } real && DirectoryWalk.IsReadableFile(real)));
        var kept = new List<Listed>(listed.Count);
        for (int i = 0; i < listed.Count; i++)
        {
            if (exists[i]) kept.Add(listed[i]);
            else
            {
                warnings.Add(File.Exists(listed[i].Path)
                    ? $"{listed[i].Source}: not a regular, non-empty file: {listed[i].Path} (left out unopened)"
                    : $"{listed[i].Source}: image not found: {listed[i].Path} (left out)");
                missing.Add(listed[i].Path);
            }
        }
        if (kept.Count == 0 && listed.Count > 0)
            throw new DatasetException($"{title}: none of the {listed.Count:N0} images listed exists, e.g. {listed[0].Path} ({listed[0].Source})\n{layout}");
        return kept;
    }

    /// <summary>Labels 0, 1, … for the distinct class numbers of <paramref name="classes"/> in increasing order.</summary>
    public static Dictionary<long, int> LabelsInOrder(IEnumerable<long> classes)
    {
        var map = new Dictionary<long, int>();
        foreach (long c in classes.Distinct().Order()) map[c] = map.Count;
        return map;
    }

    /// <summary>The split <paramref name="name"/> of <paramref name="entries"/> labelled by <paramref name="labels"/> (default: their own classes in order).</summary>
    public static ImageSet Split(string name, IReadOnlyList<Listed> entries, string title, Dictionary<long, int>? labels = null)
    {
        if (entries.Count == 0) throw new DatasetException($"{title}: the {name} split has no images");
        labels ??= LabelsInOrder(entries.Select(e => e.Class));
        return ImageSet.FromFiles(name, entries.Select(e => new ImageItem(e.Path, labels[e.Class])).ToList());
    }

    private static readonly EnumerationOptions Visible = new() { AttributesToSkip = 0, IgnoreInaccessible = true };
}
