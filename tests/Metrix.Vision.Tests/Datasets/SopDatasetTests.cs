using Metrix.Testing;
using Metrix.Vision.Datasets;

namespace Metrix.Vision.Tests;

public sealed class SopDatasetTests
{
    [Fact]
    public void ReadsEbayListsWithLabelsInClassOrder()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Sop(dir.Path);
        var data = SopDataset.Load(dir.Path);
        Assert.Equal(Path.Combine(root, "bicycle_final", "111_0.JPG"), data.Train.Items[0].Path);
        // Train classes 1, 1, 3, 2 and test classes 5, 4, 5, numbered in increasing class order.
        Assert.Equal([0, 0, 2, 1], data.Train.Labels());
        Assert.Equal([1, 0, 1], data["test"].Labels());
        Assert.Equal((4, 3, 3, 2), (data.Train.Count, data.Train.ClassCount, data["test"].Count, data["test"].ClassCount));
    }

    [Fact]
    public void ErrorsNameTheListFileAndLine()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DatasetException>(() => SopDataset.Load(dir.Path));
        Assert.StartsWith($"Stanford Online Products not found: {Path.Combine(dir.Path, "Stanford_Online_Products", "Ebay_train.txt")} does not exist", e.Message);
        Assert.Contains("Stanford_Online_Products.zip", e.Message);
        string root = FakeDatasets.Sop(dir.Path);
        File.AppendAllText(Path.Combine(root, "Ebay_test.txt"), "8 six 1 mug_final/x.JPG\n");
        var bad = Assert.Throws<DatasetException>(() => SopDataset.Load(dir.Path));
        Assert.Contains("Ebay_test.txt line 5: expected 'image_id class_id super_class_id path', found '8 six 1 mug_final/x.JPG'", bad.Message);
    }

    [Fact]
    public void AMissingImageIsLeftOutWithItsLine()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Sop(dir.Path);
        File.Delete(Path.Combine(root, "chair_final", "333_0.JPG"));
        var data = SopDataset.Load(dir.Path);
        Assert.Equal([0, 0, 1], data.Train.Labels());
        Assert.Equal(["Ebay_train.txt line 4: image not found: " + Path.Combine(root, "chair_final", "333_0.JPG") + " (left out)"], data.Warnings);
    }
}
