using Metrix.Testing;
using Metrix.Vision.Datasets;

namespace Metrix.Vision.Tests;

public sealed class InShopDatasetTests
{
    [Fact]
    public void SplitsTrainQueryGalleryWithSharedEvaluationLabels()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.InShop(dir.Path);
        var data = InShopDataset.Load(dir.Path);
        Assert.Equal(["train", "query", "gallery"], data.Splits.Select(s => s.Name));
        Assert.True(data.HasGallery);
        Assert.Equal(Path.Combine(root, "Img", "img", "WOMEN", "Dresses", "id_00000005", "01_1_front.jpg"), data.Train.Items[0].Path);
        // Train items 5, 1, 1; query 7, 2; gallery 2, 9, 7, 2 with 2→0, 7→1, 9→2 across query and gallery.
        Assert.Equal([1, 0, 0], data.Train.Labels());
        Assert.Equal([1, 0], data["query"].Labels());
        Assert.Equal([0, 2, 1, 0], data["gallery"].Labels());
        Assert.Empty(data.Warnings);
    }

    [Fact]
    public void FindsTheReadmeSpellingOfTheFolder()
    {
        using var dir = new TempDirectory();
        FakeDatasets.InShop(dir.Path, "InShop_Clothes");
        var data = InShopDataset.Load(dir.Path);
        Assert.EndsWith("InShop_Clothes", data.Location);
        Assert.Equal(4, data["gallery"].Count);
    }

    [Fact]
    public void ErrorsNameTheListAndTheLine()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DatasetException>(() => InShopDataset.Load(dir.Path));
        Assert.StartsWith($"In-Shop Clothes Retrieval not found: {Path.Combine(dir.Path, "Inshop_Clothes", "Eval", "list_eval_partition.txt")} does not exist", e.Message);
        Assert.Contains("InShop_Clothes is accepted", e.Message);
        string root = FakeDatasets.InShop(dir.Path);
        string list = Path.Combine(root, "Eval", "list_eval_partition.txt");
        File.AppendAllText(list, "img/x.jpg id_00000003 validation\n");
        var bad = Assert.Throws<DatasetException>(() => InShopDataset.Load(dir.Path));
        Assert.Contains("list_eval_partition.txt line 12: expected 'image_name item_id evaluation_status'", bad.Message);
        Assert.Contains("'img/x.jpg id_00000003 validation'", bad.Message);
    }

    [Fact]
    public void MissingImagesAreLeftOutAndTheCountLineChecked()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.InShop(dir.Path);
        File.Delete(Path.Combine(root, "Img", "img", "WOMEN", "Skirts", "id_00000009", "01_1_front.jpg"));
        string list = Path.Combine(root, "Eval", "list_eval_partition.txt");
        File.WriteAllLines(list, ["10", .. File.ReadAllLines(list).Skip(1)]);
        var data = InShopDataset.Load(dir.Path);
        Assert.Equal([0, 1, 0], data["gallery"].Labels());
        Assert.Equal(2, data["gallery"].ClassCount);
        Assert.Contains(data.Warnings, w => w.StartsWith("list_eval_partition.txt line 9: image not found: ") && w.Contains("id_00000009"));
        Assert.Contains("list_eval_partition.txt line 1: says 10 images; the list has 9", data.Warnings);
    }
}
