using System.Globalization;

namespace Metrix.Vision.Datasets;

/// <summary>
/// Stanford Online Products as the release reads it (Proxy-Anchor's <c>SOP</c>):
/// <c>DATA_ROOT/Stanford_Online_Products/Ebay_train.txt</c> and <c>Ebay_test.txt</c>, a header line then
/// <c>image_id class_id super_class_id path</c> per image, the path relative to Stanford_Online_Products.
/// 59,551 training images of 11,318 classes and 60,502 test images of 11,316 classes. The release also
/// drops lines whose class is outside 1–11,318 (train) or 11,319–22,634 (test); the distributed lists have
/// none, so here each file is its split whatever its class numbers.
/// </summary>
public static class SopDataset
{
    /// <summary>The folder under the data root (as the archive unpacks).</summary>
    public const string Folder = "Stanford_Online_Products";

    /// <summary>The list files of the train and test splits.</summary>
    public const string TrainList = "Ebay_train.txt", TestList = "Ebay_test.txt";

    private const string Title = "Stanford Online Products";

    /// <summary>What must be under <paramref name="dataRoot"/> and how to get it.</summary>
    public static string Layout(string dataRoot)
    {
        string root = Path.Combine(Path.GetFullPath(dataRoot), Folder);
        return $"expected: {root}/{TrainList} and {TestList} (a header line, then 'image_id class_id super_class_id path') "
            + $"and the images they name under {root} (bicycle_final/111085122871_0.JPG …)\n"
            + $"get it: download Stanford_Online_Products.zip (https://cvgl.stanford.edu/projects/lifted_struct/) and unzip it in {Path.GetFullPath(dataRoot)}";
    }

    /// <summary>The train and test splits under <paramref name="dataRoot"/>.</summary>
    /// <exception cref="DatasetException">A list file is missing or malformed, or none of its images exists.</exception>
    public static DatasetSplits Load(string dataRoot)
    {
        string root = Path.GetFullPath(Path.Combine(dataRoot, Folder));
        var warnings = new List<string>();
        var missing = new List<string>();
        var splits = new[] { ("train", TrainList), ("test", TestList) }
            .Select(s => DatasetFiles.Split(s.Item1, DatasetFiles.Existing(Read(root, s.Item2, dataRoot), warnings, missing, Title, Layout(dataRoot)), Title))
            .ToList();
        return new DatasetSplits("sop", splits, root, warnings, missing);
    }

    private static List<DatasetFiles.Listed> Read(string root, string listName, string dataRoot)
    {
        string file = Path.Combine(root, listName);
        DatasetFiles.RequireFile(file, dataRoot, Title, Layout(dataRoot));
        var lines = DatasetFiles.ReadLines(file, Title);
        var listed = new List<DatasetFiles.Listed>(lines.Length);
        for (int i = 1; i < lines.Length; i++)
        {
            var fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            if (fields.Length != 4 || !long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long classId))
                throw new DatasetException($"{Title}: {file} line {i + 1}: expected 'image_id class_id super_class_id path', found '{lines[i]}'");
            listed.Add(new DatasetFiles.Listed(DatasetFiles.Inside(root, fields[3], Title, $"{file} line {i + 1}"), classId, $"{listName} line {i + 1}"));
        }
        if (listed.Count == 0) throw new DatasetException($"{Title}: {file} lists no images (a header line, then one line per image)");
        return listed;
    }
}
