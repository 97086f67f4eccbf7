using System.Globalization;

namespace Metrix.Vision.Datasets;

/// <summary>
/// In-Shop Clothes Retrieval as the release reads it (Proxy-Anchor's <c>Inshop_Dataset</c>):
/// <c>DATA_ROOT/Inshop_Clothes/Eval/list_eval_partition.txt</c> — a count line, a header line, then
/// <c>image_name item_id evaluation_status</c> per image — with images at <c>Inshop_Clothes/Img/&lt;image_name&gt;</c>.
/// Splits train, query and gallery by status; labels number the items (the digits of <c>id_00000001</c>)
/// in increasing order, training items on their own and query and gallery items in one shared space.
/// 25,882 training images of 3,997 items; 14,218 query and 12,612 gallery images of 3,985 items. The
/// release's code reads <c>Inshop_Clothes</c> while its README says <c>InShop_Clothes</c>: either is found.
/// </summary>
public static class InShopDataset
{
    /// <summary>The folder under the data root (the release's code); <see cref="AlternateFolder"/> is accepted too.</summary>
    public const string Folder = "Inshop_Clothes";

    /// <summary>The spelling of the release's README.</summary>
    public const string AlternateFolder = "InShop_Clothes";

    /// <summary>The partition list, relative to the dataset folder.</summary>
    public const string PartitionList = "Eval/list_eval_partition.txt";

    private const string Title = "In-Shop Clothes Retrieval";

    /// <summary>What must be under <paramref name="dataRoot"/> and how to get it.</summary>
    public static string Layout(string dataRoot)
    {
        string root = Path.Combine(Path.GetFullPath(dataRoot), Folder);
        return $"expected: {root}/{PartitionList} (a count line, a header line, then 'image_name item_id evaluation_status') "
            + $"and the images under {root}/Img (Img/img/WOMEN/Dresses/id_00000002/02_1_front.jpg …); {AlternateFolder} is accepted for {Folder}\n"
            + $"get it: from the DeepFashion In-shop Clothes Retrieval Benchmark (Google Drive folder in the release's README) take Eval/list_eval_partition.txt "
            + $"and Img/img.zip; put the list in {root}/Eval and unzip img.zip in {root}/Img";
    }

    /// <summary>The train, query and gallery splits under <paramref name="dataRoot"/>.</summary>
    /// <exception cref="DatasetException">The list is missing or malformed, or none of its images exists.</exception>
    public static DatasetSplits Load(string dataRoot)
    {
        string root = Path.GetFullPath(Path.Combine(dataRoot, Folder));
        string alternate = Path.GetFullPath(Path.Combine(dataRoot, AlternateFolder));
        if (!Directory.Exists(root) && Directory.Exists(alternate)) root = alternate;
        string file = Path.Combine(root, PartitionList);
        DatasetFiles.RequireFile(file, dataRoot, Title, Layout(dataRoot));
        var warnings = new List<string>();
        var missing = new List<string>();
        var bySplit = Read(file, root, warnings);
        var existing = bySplit.ToDictionary(p => p.Key, p => DatasetFiles.Existing(p.Value, warnings, missing, Title, Layout(dataRoot)));
        var evalLabels = DatasetFiles.LabelsInOrder(existing["query"].Concat(existing["gallery"]).Select(e => e.Class));
        return new DatasetSplits("inshop",
        [
            DatasetFiles.Split("train", existing["train"], Title),
            DatasetFiles.Split("query", existing["query"], Title, evalLabels),
            DatasetFiles.Split("gallery", existing["gallery"], Title, evalLabels),
        ], root, warnings, missing);
    }

    private static Dictionary<string, List<DatasetFiles.Listed>> Read(string file, string root, List<string> warnings)
    {
        var lines = DatasetFiles.ReadLines(file, Title);
        var splits = new Dictionary<string, List<DatasetFiles.Listed>> { ["train"] = [], ["query"] = [], ["gallery"] = [] };
        int rows = 0;
        string listName = Path.GetFileName(file);
        for (int i = 2; i < lines.Length; i++)
        {
            var fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            rows++;
            if (fields.Length != 3 || !splits.TryGetValue(fields[2], out var split) || ItemNumber(fields[1]) is not { } item)
                throw new DatasetException($"{Title}: {file} line {i + 1}: expected 'image_name item_id evaluation_status' "
                    + $"with an item id like id_00000001 and a status of train, query or gallery, found '{lines[i]}'");
            split.Add(new DatasetFiles.Listed(DatasetFiles.Inside(Path.Combine(root, "Img"), fields[0], Title, $"{file} line {i + 1}"), item, $"{listName} line {i + 1}"));
        }
        foreach (var (split, entries) in splits)
            if (entries.Count == 0) throw new DatasetException($"{Title}: {file} lists no {split} images");
        if (lines.Length > 0 && int.TryParse(lines[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int declared) && declared != rows)
            warnings.Add($"{listName} line 1: says {declared} images; the list has {rows}");
        return splits;
    }

    /// <summary>The number after the last '_' of an item id (the release: <c>int(x.split('_')[-1])</c>).</summary>
    private static long? ItemNumber(string itemId) =>
        long.TryParse(itemId[(itemId.LastIndexOf('_') + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : null;
}
