namespace Metrix.Vision.Datasets;

/// <summary>
/// CUB-200-2011 as the release reads it (Proxy-Anchor's <c>CUBirds</c>): torchvision's ImageFolder over
/// <c>DATA_ROOT/CUB_200_2011/images</c>, class folders in name order (001.Black_footed_Albatross …
/// 200.Common_Yellowthroat), classes 1–100 train and 101–200 test, files whose names start with
/// <c>._</c> left out. 5,864 training and 5,924 test images.
/// </summary>
public static class CubDataset
{
    /// <summary>The folder under the data root (as the archive unpacks).</summary>
    public const string Folder = "CUB_200_2011";

    /// <summary>Number of classes; the first <see cref="TrainClasses"/> train.</summary>
    public const int Classes = 200, TrainClasses = 100;

    private const string Title = "CUB-200-2011";

    /// <summary>What must be under <paramref name="dataRoot"/> and how to get it.</summary>
    public static string Layout(string dataRoot)
    {
        string images = Path.Combine(Path.GetFullPath(dataRoot), Folder, "images");
        return $"expected: {images}/<class folder>/<image>.jpg, the 200 class folders 001.Black_footed_Albatross … 200.Common_Yellowthroat "
            + "(classes 1–100 in name order train, 101–200 test)\n"
            + $"get it: download CUB_200_2011.tgz (https://data.caltech.edu/records/65de6-vp158) and unpack it in {Path.GetFullPath(dataRoot)}";
    }

    /// <summary>The train and test splits under <paramref name="dataRoot"/>.</summary>
    /// <exception cref="DatasetException">The folder is missing or does not hold 200 class folders.</exception>
    public static DatasetSplits Load(string dataRoot)
    {
        string root = Path.GetFullPath(Path.Combine(dataRoot, Folder));
        string images = Path.Combine(root, "images");
        DatasetFiles.RequireDirectory(images, dataRoot, Title, Layout(dataRoot));
        var classes = DatasetFiles.ClassFolders(images);
        if (classes.Length != Classes)
            throw new DatasetException($"{Title}: {images} has {classes.Length} class folders; the split (classes 1–100 train, 101–200 test) needs all {Classes}. "
                + $"For another collection of class folders use --dataset folder.\n{Layout(dataRoot)}");
        var warnings = new List<string>();
        var ignored = new List<string>();
        var train = new List<DatasetFiles.Listed>();
        var test = new List<DatasetFiles.Listed>();
        var walk = new DirectoryWalk.State(classes);
        for (int c = 0; c < classes.Length; c++)
        {
            var files = DatasetFiles.ImagesOf(classes[c], DatasetFiles.ImageFolderExtensions, ignored, walk);
            if (files.Count == 0) warnings.Add($"class folder {classes[c]} has no images");
            (c < TrainClasses ? train : test).AddRange(files.Select(f => new DatasetFiles.Listed(f, c, classes[c])));
        }
        warnings.AddRange(ignored.Select(f => $"not an image by its extension: {f} (left out)"));
        warnings.AddRange(walk.Skipped);
        return new DatasetSplits("cub", [DatasetFiles.Split("train", train, Title), DatasetFiles.Split("test", test, Title)], root, warnings);
    }
}
