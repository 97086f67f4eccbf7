namespace Metrix.Testing;

/// <summary>
/// Tiny datasets in the distributed layouts (docs/datasets.md) under a data root, with tiny PNGs
/// for images (the decoders go by signature, so a .jpg name holding a PNG decodes). Each method returns the
/// dataset's folder.
/// </summary>
public static class FakeDatasets
{
    /// <summary>
    /// <c>CUB_200_2011/images/NNN.Class_NNN/</c>: 200 class folders, class k (from 1) with 1 image when k
    /// is odd and 2 when even (150 train images, 150 test), plus a <c>._</c> resource fork and a text file
    /// in class 1.
    /// </summary>
    public static string Cub(string dataRoot)
    {
        string images = Path.Combine(dataRoot, "CUB_200_2011", "images");
        for (int k = 1; k <= 200; k++)
        {
            string folder = Path.Combine(images, $"{k:000}.Class_{k:000}");
            for (int i = 0; i < (k % 2 == 1 ? 1 : 2); i++) TinyImages.WritePng(Path.Combine(folder, $"Class_{k:000}_{i:0000}.jpg"), k + i);
        }
        File.WriteAllText(Path.Combine(images, "001.Class_001", "._Class_001_0000.jpg"), "resource fork");
        File.WriteAllText(Path.Combine(images, "001.Class_001", "notes.txt"), "not an image");
        return Path.Combine(dataRoot, "CUB_200_2011");
    }

    /// <summary>Class numbers of the images car_ims/000001.jpg … 000008.jpg in tests/fixtures/mat/dataset_cars/cars_annos.mat.</summary>
    public static readonly int[] CarsClasses = [1, 1, 2, 98, 99, 99, 150, 196];

    /// <summary><c>cars196/cars_annos.mat</c> (the committed fixture) and the 8 images it names.</summary>
    public static string Cars(string dataRoot)
    {
        string root = Path.Combine(dataRoot, "cars196");
        Directory.CreateDirectory(root);
        File.Copy(Fixtures.PathOf("mat/dataset_cars/cars_annos.mat"), Path.Combine(root, "cars_annos.mat"));
        for (int i = 1; i <= CarsClasses.Length; i++) TinyImages.WritePng(Path.Combine(root, "car_ims", $"{i:000000}.jpg"), i);
        return root;
    }

    /// <summary>
    /// <c>Stanford_Online_Products/Ebay_train.txt</c> (classes 1, 1, 3, 2: 4 images of 3 classes) and
    /// <c>Ebay_test.txt</c> (classes 5, 4, 5: 3 images of 2 classes) with their images.
    /// </summary>
    public static string Sop(string dataRoot)
    {
        string root = Path.Combine(dataRoot, "Stanford_Online_Products");
        var train = new[] { (1, 1, "bicycle_final/111_0.JPG"), (2, 1, "bicycle_final/111_1.JPG"), (3, 3, "chair_final/333_0.JPG"), (4, 2, "bicycle_final/222_0.JPG") };
        var test = new[] { (5, 5, "mug_final/555_0.JPG"), (6, 4, "mug_final/444_0.JPG"), (7, 5, "mug_final/555_1.JPG") };
        foreach (var (file, rows) in new[] { ("Ebay_train.txt", train), ("Ebay_test.txt", test) })
        {
            Directory.CreateDirectory(root);
            File.WriteAllLines(Path.Combine(root, file),
                ["image_id class_id super_class_id path", .. rows.Select(r => $"{r.Item1} {r.Item2} {1 + r.Item2 % 2} {r.Item3}")]);
            foreach (var r in rows) TinyImages.WritePng(Path.Combine(root, r.Item3), r.Item1);
        }
        return root;
    }

    /// <summary>
    /// <c>Stanford_Online_Products</c> large enough for balanced batches: <paramref name="classes"/> training
    /// classes (1 … classes) and as many test classes, <paramref name="imagesPerClass"/> images each.
    /// </summary>
    public static string Sop(string dataRoot, int classes, int imagesPerClass)
    {
        string root = Path.Combine(dataRoot, "Stanford_Online_Products");
        Directory.CreateDirectory(root);
        int id = 0;
        foreach (var (file, first) in new[] { ("Ebay_train.txt", 1), ("Ebay_test.txt", classes + 1) })
        {
            var lines = new List<string> { "image_id class_id super_class_id path" };
            for (int c = first; c < first + classes; c++)
                for (int i = 0; i < imagesPerClass; i++)
                {
                    string path = $"item_final/{c}_{i}.JPG";
                    lines.Add($"{++id} {c} 1 {path}");
                    TinyImages.WritePng(Path.Combine(root, path), id);
                }
            File.WriteAllLines(Path.Combine(root, file), lines);
        }
        return root;
    }

    /// <summary>
    /// <c>Inshop_Clothes/Eval/list_eval_partition.txt</c> and <c>Img/img/…</c>: train items 5, 1, 1 (3
    /// images, 2 items); query items 7, 2; gallery items 2, 9, 7, 2 (query and gallery share labels
    /// 2→0, 7→1, 9→2).
    /// </summary>
    public static string InShop(string dataRoot, string folder = "Inshop_Clothes")
    {
        string root = Path.Combine(dataRoot, folder);
        var rows = new[]
        {
            ("img/WOMEN/Dresses/id_00000005/01_1_front.jpg", "id_00000005", "train"),
            ("img/MEN/Denim/id_00000001/01_1_front.jpg", "id_00000001", "train"),
            ("img/MEN/Denim/id_00000001/02_2_side.jpg", "id_00000001", "train"),
            ("img/WOMEN/Tees/id_00000007/01_1_front.jpg", "id_00000007", "query"),
            ("img/MEN/Tees/id_00000002/01_1_front.jpg", "id_00000002", "query"),
            ("img/MEN/Tees/id_00000002/02_2_side.jpg", "id_00000002", "gallery"),
            ("img/WOMEN/Skirts/id_00000009/01_1_front.jpg", "id_00000009", "gallery"),
            ("img/WOMEN/Tees/id_00000007/02_2_side.jpg", "id_00000007", "gallery"),
            ("img/MEN/Tees/id_00000002/03_4_full.jpg", "id_00000002", "gallery"),
        };
        Directory.CreateDirectory(Path.Combine(root, "Eval"));
        File.WriteAllLines(Path.Combine(root, "Eval", "list_eval_partition.txt"),
            [rows.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "image_name item_id evaluation_status",
             .. rows.Select(r => $"{r.Item1}  {r.Item2}  {r.Item3}")]);
        for (int i = 0; i < rows.Length; i++) TinyImages.WritePng(Path.Combine(root, "Img", rows[i].Item1), i);
        return root;
    }

    /// <summary>
    /// <c>Inshop_Clothes</c> large enough for balanced batches: <paramref name="items"/> training items and as
    /// many evaluation items, <paramref name="imagesPerItem"/> images each; an evaluation item's first image
    /// is a query and the others are gallery images.
    /// </summary>
    public static string InShop(string dataRoot, int items, int imagesPerItem)
    {
        string root = Path.Combine(dataRoot, "Inshop_Clothes");
        var rows = new List<string>();
        for (int item = 1; item <= 2 * items; item++)
            for (int i = 0; i < imagesPerItem; i++)
            {
                string path = $"img/MEN/Tees/id_{item:00000000}/{i + 1:00}_1_front.jpg";
                string status = item <= items ? "train" : i == 0 ? "query" : "gallery";
                rows.Add($"{path}  id_{item:00000000}  {status}");
                TinyImages.WritePng(Path.Combine(root, "Img", path), rows.Count);
            }
        Directory.CreateDirectory(Path.Combine(root, "Eval"));
        File.WriteAllLines(Path.Combine(root, "Eval", "list_eval_partition.txt"),
            [rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "image_name item_id evaluation_status", .. rows]);
        return root;
    }

    /// <summary>An image folder with classes dog (2 images), cat (1), emu (2, one in a sub-folder): train cat, dog; test emu.</summary>
    public static string Folder(string root)
    {
        TinyImages.WritePng(Path.Combine(root, "dog", "a.png"), 1);
        TinyImages.WritePng(Path.Combine(root, "dog", "b.JPG"), 2);
        TinyImages.WritePng(Path.Combine(root, "cat", "x.jpeg"), 3);
        TinyImages.WritePng(Path.Combine(root, "emu", "1.png"), 4);
        TinyImages.WritePng(Path.Combine(root, "emu", "more", "2.png"), 5);
        return root;
    }
}
