using Metrix.Testing;
using Metrix.Vision.Datasets;

namespace Metrix.Vision.Tests;

public sealed class ImageFolderDatasetTests
{
    [Fact]
    public void ClassesInNameOrderFirstHalfRoundedUpTrain()
    {
        using var dir = new TempDirectory();
        FakeDatasets.Folder(dir.Path);
        File.WriteAllText(dir["dog/readme.md"], "text");
        File.WriteAllText(dir["dog/.hidden.png"], "hidden");
        Directory.CreateDirectory(dir["empty"]);
        var data = ImageFolderDataset.Load(dir.Path);
        // cat, dog, emu (empty left out): cat and dog train, emu test.
        Assert.Equal([dir["cat/x.jpeg"], dir["dog/a.png"], dir["dog/b.JPG"]], data.Train.Items.Select(i => i.Path));
        Assert.Equal([0, 1, 1], data.Train.Labels());
        Assert.Equal([dir["emu/1.png"], dir["emu/more/2.png"]], data["test"].Items.Select(i => i.Path));
        Assert.Equal([0, 0], data["test"].Labels());
        Assert.Contains(data.Warnings, w => w.Contains("readme.md"));
        Assert.Contains(data.Warnings, w => w.Contains("empty has no"));
        Assert.DoesNotContain(data.Warnings, w => w.Contains(".hidden"));
    }

    [Fact]
    public void NeedsTwoClassesAndAnExistingFolder()
    {
        using var dir = new TempDirectory();
        var missing = Assert.Throws<DatasetException>(() => ImageFolderDataset.Load(dir["photos"]));
        Assert.StartsWith($"image folder not found: {dir["photos"]} does not exist", missing.Message);
        Assert.Contains("<class name>/<image>", missing.Message);
        TinyImages.WritePng(dir["only/a.png"]);
        Assert.Contains("1 class folder with images", Assert.Throws<DatasetException>(() => ImageFolderDataset.Load(dir.Path)).Message);
    }

    [Fact]
    public void QueryAndGalleryFoldersShareLabelsByClassName()
    {
        using var dir = new TempDirectory();
        TinyImages.WritePng(dir["q/zebra/1.png"]);
        TinyImages.WritePng(dir["q/ant/1.png"]);
        TinyImages.WritePng(dir["g/bee/1.png"]);
        TinyImages.WritePng(dir["g/zebra/2.png"]);
        var data = ImageFolderDataset.LoadQueryGallery(dir["q"], dir["g"]);
        Assert.True(data.HasGallery);
        Assert.Equal([0, 2], data["query"].Labels());
        Assert.Equal([1, 2], data["gallery"].Labels());
        var set = ImageFolderDataset.LoadSet(dir["g"], "all", out var names);
        Assert.Equal(["bee", "zebra"], names);
        Assert.Equal([0, 1], set.Labels());
    }
}
