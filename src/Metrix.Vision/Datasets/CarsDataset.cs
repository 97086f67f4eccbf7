using Metrix.Vision.Matlab;

namespace Metrix.Vision.Datasets;

/// <summary>
/// Cars196 as the release reads it (Proxy-Anchor's <c>Cars</c>): the struct array <c>annotations</c> of
/// <c>DATA_ROOT/cars196/cars_annos.mat</c> gives each image's <c>relative_im_path</c> (under cars196) and
/// <c>class</c> (1–196) in file order; classes 1–98 train and 99–196 test, whatever the <c>test</c> field
/// says. 8,054 training and 8,131 test images.
/// </summary>
public static class CarsDataset
{
    /// <summary>The folder under the data root.</summary>
    public const string Folder = "cars196";

    /// <summary>The annotation file in <see cref="Folder"/>.</summary>
    public const string AnnotationFile = "cars_annos.mat";

    /// <summary>Number of classes; classes 1 to <see cref="TrainClasses"/> train.</summary>
    public const int Classes = 196, TrainClasses = 98;

    private const string Title = "Cars196";

    /// <summary>What must be under <paramref name="dataRoot"/> and how to get it.</summary>
    public static string Layout(string dataRoot)
    {
        string root = Path.Combine(Path.GetFullPath(dataRoot), Folder);
        return $"expected: {root}/{AnnotationFile} and the images it names under {root} (car_ims/000001.jpg … car_ims/016185.jpg); "
            + "classes 1–98 train, 99–196 test\n"
            + $"get it: download car_ims.tgz and cars_annos.mat (http://ai.stanford.edu/~jkrause/car196/), put cars_annos.mat in {root} and unpack car_ims.tgz there";
    }

    /// <summary>The train and test splits under <paramref name="dataRoot"/>.</summary>
    /// <exception cref="DatasetException">The annotation file is missing or malformed, or no listed image exists.</exception>
    public static DatasetSplits Load(string dataRoot)
    {
        string root = Path.GetFullPath(Path.Combine(dataRoot, Folder));
        string file = Path.Combine(root, AnnotationFile);
        DatasetFiles.RequireFile(file, dataRoot, Title, Layout(dataRoot));
        MatFile mat;
        try
        {
            mat = MatFile.Read(file);
        }
        catch (Exception e) when (e is MatFormatException or IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{Title}: {e.Message}", e);
        }
        var listed = Annotations(mat, file, root);
        var warnings = new List<string>();
        var missing = new List<string>();
        var kept = DatasetFiles.Existing(listed, warnings, missing, Title, Layout(dataRoot));
        var train = kept.Where(e => e.Class <= TrainClasses).ToList();
        var test = kept.Where(e => e.Class > TrainClasses).ToList();
        return new DatasetSplits("cars", [DatasetFiles.Split("train", train, Title), DatasetFiles.Split("test", test, Title)], root, warnings, missing);
    }

    private static List<DatasetFiles.Listed> Annotations(MatFile mat, string file, string root)
    {
        if (!mat.Contains("annotations") || mat["annotations"] is not MatStructArray annotations
            || !annotations.HasField("relative_im_path") || !annotations.HasField("class"))
            throw new DatasetException($"{Title}: {file} has no struct array 'annotations' with fields relative_im_path and class "
                + $"(variables: {string.Join(", ", mat.Variables)})");
        var listed = new List<DatasetFiles.Listed>(annotations.Count);
        for (int i = 0; i < annotations.Count; i++)
        {
            string where = $"{AnnotationFile} annotation {i + 1}";
            string path;
            long label;
            try
            {
                path = annotations[i, "relative_im_path"] is MatCharArray text
                    ? text.AsString()
                    : throw new InvalidDataException($"relative_im_path is {annotations[i, "relative_im_path"]}, not text");
                label = annotations[i, "class"] is MatNumericArray number
                    ? number.ScalarInt64()
                    : throw new InvalidDataException($"class is {annotations[i, "class"]}, not a number");
            }
            catch (InvalidDataException e)
            {
                throw new DatasetException($"{Title}: {file}, {where}: {e.Message}", e);
            }
            if (label is < 1 or > Classes) throw new DatasetException($"{Title}: {file}, {where}: class {label} is outside 1–{Classes}");
            listed.Add(new DatasetFiles.Listed(DatasetFiles.Inside(root, path, Title, $"{file}, {where}"), label, where));
        }
        return listed;
    }
}
