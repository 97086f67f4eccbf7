using Metrix.Vision.Datasets;
using Metrix.Vision.Loading;
using Xunit;

namespace Metrix.Vision.Tests;

public sealed class ImageCacheTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "metrix-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void TheDiskCacheHoldsTheSamePixelsAndIsReusedByALaterRun()
    {
        var set = EmojiDataset.Load()["test"].Subset("test", Enumerable.Range(0, 20), relabel: false);
        var memory = new ImageCache(set, maxShorterSide: 40);
        var disk = new ImageCache(set, maxShorterSide: 40, diskDirectory: _dir);
        for (int i = 0; i < set.Count; i++)
        {
            var a = memory.Get(i);
            var b = disk.Get(i);
            Assert.Equal((40, 40), (a.Width, a.Height));
            Assert.Equal(a.Rgb, b.Rgb);
        }
        Assert.Equal(20, Directory.GetFiles(_dir, "*.rgb").Length);
        Assert.Equal(0, disk.Bytes);

        // A later cache over the same directory reads the files: make one unreadable as an image would be, and the
        // stored pixels are still served because nothing is decoded again.
        var again = new ImageCache(new ImageSet("test", set.Items, _ => throw new IOException("source gone")), 40, _dir);
        Assert.Equal(memory.Get(7).Rgb, again.Get(7).Rgb);
    }

    [Fact]
    public void LargeSplitsGoToDiskSmallOnesStayInMemory()
    {
        var set = EmojiDataset.Load()["test"];
        Assert.Null(ImageCache.ForSplit(set, 73, _dir, "emoji").DiskDirectory);
        Assert.NotNull(ImageCache.ForSplit(set, 73, _dir, "emoji", memoryBudget: 1 << 20).DiskDirectory);
    }
}
