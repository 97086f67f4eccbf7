using Metrix.Testing;
using Metrix.Vision.Datasets;

namespace Metrix.Vision.Tests;

public sealed class CubDatasetTests
{
    [Fact]
    public void SplitsClassFoldersInNameOrderFirstHundredTrain()
    {
        using var dir = new TempDirectory();
        string root = FakeDatasets.Cub(dir.Path);
        var data = CubDataset.Load(dir.Path);
        Assert.Equal(["train", "test"], data.Splits.Select(s => s.Name));
        Assert.Equal(Path.GetFullPath(root), data.Location);
        // Class k holds 1 image when odd, 2 when even: 50 + 100 per half.
        Assert.Equal((150, 100), (data.Train.Count, data.Train.ClassCount));
        Assert.Equal((150, 100), (data["test"].Count, data["test"].ClassCount));
        Assert.All(data.Train.Items, i => Assert.Matches(@"/(0\d\d|100)\.Class_", i.Path));
        Assert.All(data["test"].Items, i => Assert.Matches(@"/(1\d\d|200)\.Class_", i.Path));
        Assert.DoesNotContain(data.Train.Items, i => i.Path.EndsWith("notes.txt") || Path.GetFileName(i.Path).StartsWith("._"));
        // Labels are the class positions within the split, in order; items follow ImageFolder's order.
        Assert.Equal(Path.Combine(root, "images", "001.Class_001", "Class_001_0000.jpg"), data.Train.Items[0].Path);
        Assert.Equal([0, 1, 1, 2], data.Train.Labels()[..4]);
        Assert.Equal(0, data["test"].Items[0].Label);
        Assert.EndsWith("101.Class_101/Class_101_0000.jpg", data["test"].Items[0].Path);
        Assert.Equal(99, data["test"].Items[^1].Label);
        Assert.Contains(data.Warnings, w => w.Contains("notes.txt"));
        Assert.Equal(data.Train.Items[3].Path, Path.GetFullPath(data.Train.Items[3].Path));
    }

    [Fact]
    public void MissingFolderNamesThePathTheLayoutAndTheDownload()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DatasetException>(() => CubDataset.Load(dir.Path));
        Assert.StartsWith($"CUB-200-2011 not found: {Path.Combine(dir.Path, "CUB_200_2011", "images")} does not exist", e.Message);
        Assert.Contains("001.Black_footed_Albatross", e.Message);
        Assert.Contains("CUB_200_2011.tgz", e.Message);
        var gone = Assert.Throws<DatasetException>(() => CubDataset.Load(dir["nowhere"]));
        Assert.Contains($"(--data_root {dir["nowhere"]} does not exist)", gone.Message);
    }

    [Fact]
    public void RefusesAnythingButTwoHundredClassFolders()
    {
        using var dir = new TempDirectory();
        FakeDatasets.Cub(dir.Path);
        Directory.Delete(dir["CUB_200_2011/images/200.Class_200"], recursive: true);
        var e = Assert.Throws<DatasetException>(() => CubDataset.Load(dir.Path));
        Assert.Contains("has 199 class folders", e.Message);
        Assert.Contains("--dataset folder", e.Message);
    }

    [Fact]
    public void AnEmptyClassFolderIsReportedAndTheRestKept()
    {
        using var dir = new TempDirectory();
        FakeDatasets.Cub(dir.Path);
        foreach (var f in Directory.GetFiles(dir["CUB_200_2011/images/150.Class_150"])) File.Delete(f);
        var data = CubDataset.Load(dir.Path);
        Assert.Equal((148, 99), (data["test"].Count, data["test"].ClassCount));
        Assert.Equal(Enumerable.Range(0, 99), data["test"].Labels().Distinct());
        Assert.Contains(data.Warnings, w => w.Contains("150.Class_150 has no images"));
    }
}
