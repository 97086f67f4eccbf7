using Metrix.Vision.Codecs;

namespace Metrix.Vision.Datasets;

/// <summary>
/// Any collection of images in class folders, <c>ROOT/&lt;class name&gt;/&lt;image&gt;</c> (images in
/// sub-folders of a class folder belong to it): image files by extension (<see cref="Extensions"/>: PNG, JPEG,
/// WebP, BMP, GIF, TIFF, any case); names starting with '.' are left out. Classes are the class folders that hold
/// images, in ordinal name order, split like CUB: the first half (rounded up) train, the rest test.
/// </summary>
public static class ImageFolderDataset
{
    /// <summary>The extensions read, compared ignoring case.</summary>
    public static IReadOnlyList<string> Extensions => ImageDecoder.Extensions;

    private const string Title = "image folder";

    /// <summary>What must be in <paramref name="root"/>.</summary>
    public static string Layout(string root) =>
        $"expected: {Path.GetFullPath(root)}/<class name>/<image>.png, .jpg, .webp, .bmp, .gif or .tif, one folder per class (at least two); "
        + "classes in name order, the first half (rounded up) train, the rest test";

    /// <summary>The train and test splits of the class folders in <paramref name="root"/>.</summary>
    /// <exception cref="DatasetException">The folder is missing or has fewer than two classes with images.</exception>
    public static DatasetSplits Load(string root)
    {
        var warnings = new List<string>();
        var classes = Classes(root, warnings);
        if (classes.Count < 2)
            throw new DatasetException($"{Title} {Path.GetFullPath(root)}: {classes.Count} class folder{(classes.Count == 1 ? "" : "s")} with images; "
                + $"a train and a test split need at least 2\n{Layout(root)}");
        int train = (classes.Count + 1) / 2;
        var splits = new[] { ("train", classes.Take(train)), ("test", classes.Skip(train)) }
            .Select(s => DatasetFiles.Split(s.Item1, Entries(s.Item2.ToList()), Title))
            .ToList();
        return new DatasetSplits("folder", splits, Path.GetFullPath(root), warnings);
    }

    /// <summary>
    /// The images of <paramref name="root"/> as one split named <paramref name="name"/>: images directly in it
    /// labelled −1, those of each class folder (sub-folders included) labelled by the folder's place in name
    /// order. Walked as <see cref="Load"/> walks: link loops end, links into another class folder and special
    /// files (FIFOs, devices) are left out unopened, each real file is listed once.
    /// </summary>
    public static ImageSet LoadLoose(string root, string name)
    {
        var classes = DatasetFiles.ClassFolders(root);
        var walk = new DirectoryWalk.State(classes);
        var items = new List<ImageItem>();
        foreach (var file in Directory.EnumerateFiles(root).Order(StringComparer.Ordinal))
        {
            if (!Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) || Path.GetFileName(file).StartsWith('.')) continue;
            string? real = DirectoryWalk.RealPath(file);
            if (real is not null && DirectoryWalk.IsReadableFile(real) && walk.SeenFiles.Add(real)) items.Add(new ImageItem(file, -1));
        }
        for (int c = 0; c < classes.Length; c++)
            items.AddRange(DatasetFiles.ImagesOf(classes[c], Extensions, [], walk).Select(f => new ImageItem(f, c)));
        return ImageSet.FromFiles(name, items);
    }

    /// <summary>
    /// Every image of <paramref name="root"/> as one split named <paramref name="name"/>, labelled by class
    /// folder in name order (0, 1, …); <paramref name="classNames"/> receives the folder names by label.
    /// </summary>
    /// <exception cref="DatasetException">The folder is missing or has no class folder with images.</exception>
    public static ImageSet LoadSet(string root, string name, out IReadOnlyList<string> classNames)
    {
        var classes = Classes(root, []);
        if (classes.Count == 0) throw new DatasetException($"{Title} {Path.GetFullPath(root)}: no class folder holds images\n{Layout(root)}");
        classNames = classes.Select(c => c.Name).ToList();
        return DatasetFiles.Split(name, Entries(classes), Title);
    }

    /// <summary>
    /// A query folder and a gallery folder evaluated one against the other: splits <c>query</c> and
    /// <c>gallery</c> whose labels share one space, the union of both folders' class names in name order.
    /// </summary>
    /// <exception cref="DatasetException">A folder is missing or has no class folder with images.</exception>
    public static DatasetSplits LoadQueryGallery(string queryRoot, string galleryRoot)
    {
        var warnings = new List<string>();
        var query = Classes(queryRoot, warnings);
        var gallery = Classes(galleryRoot, warnings);
        foreach (var (root, classes) in new[] { (queryRoot, query), (galleryRoot, gallery) })
            if (classes.Count == 0) throw new DatasetException($"{Title} {Path.GetFullPath(root)}: no class folder holds images\n{Layout(root)}");
        var names = query.Concat(gallery).Select(c => c.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        var labels = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => (long)p.i, StringComparer.Ordinal);
        ImageSet Set(string split, List<ClassFolder> classes) => ImageSet.FromFiles(split,
            classes.SelectMany(c => c.Images.Select(p => new ImageItem(p, (int)labels[c.Name]))).ToList());
        return new DatasetSplits("folder", [Set("query", query), Set("gallery", gallery)], Path.GetFullPath(galleryRoot), warnings);
    }

    private sealed record ClassFolder(string Name, List<string> Images);

    /// <summary>The class folders of <paramref name="root"/> that hold images, in name order.</summary>
    private static List<ClassFolder> Classes(string root, List<string> warnings)
    {
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) throw new DatasetException($"{Title} not found: {full} does not exist\n{Layout(root)}");
        var ignored = new List<string>();
        var classes = new List<ClassFolder>();
        var folders = DatasetFiles.ClassFolders(full);
        var walk = new DirectoryWalk.State(folders);
        foreach (var folder in folders)
        {
            var images = DatasetFiles.ImagesOf(folder, Extensions, ignored, walk);
            if (images.Count == 0) warnings.Add($"class folder {folder} has no images ({string.Join(' ', Extensions)}) (left out)");
            else classes.Add(new ClassFolder(Path.GetFileName(folder), images));
        }
        warnings.AddRange(ignored.Select(f => $"not an image by its extension ({string.Join(' ', Extensions)}): {f} (left out)"));
        warnings.AddRange(walk.Skipped);
        return classes;
    }

    private static List<DatasetFiles.Listed> Entries(List<ClassFolder> classes) =>
        classes.SelectMany((c, k) => c.Images.Select(p => new DatasetFiles.Listed(p, k, c.Name))).ToList();
}
