using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Xunit;

namespace Metrix.Vision.Tests;

public sealed class EmojiDatasetTests
{
    private static readonly DatasetSplits Data = EmojiDataset.Load();

    [Fact]
    public void HasTheDocumentedSizeAndAlternatingSplits()
    {
        var train = Data.Train;
        var test = Data["test"];
        Assert.Equal(953, train.ClassCount);
        Assert.Equal(953, test.ClassCount);
        Assert.Equal(7562, train.Count + test.Count);
        // Class k of the archive is in train when k is even: the entry names carry k.
        Assert.All(train.Items, i => Assert.Equal(0, int.Parse(i.Path[7..11]) % 2));
        Assert.All(test.Items, i => Assert.Equal(1, int.Parse(i.Path[7..11]) % 2));
    }

    [Fact]
    public void LabelsAreContiguousAndEveryClassHasBothVendors()
    {
        foreach (var split in Data.Splits)
        {
            var labels = split.Labels();
            Assert.Equal(Enumerable.Range(0, split.ClassCount), labels.Distinct().Order());
            foreach (var group in split.Items.GroupBy(i => i.Label))
            {
                Assert.Contains(group, i => i.Path.Contains("_google_"));
                Assert.Contains(group, i => i.Path.Contains("_twitter_"));
            }
        }
        Assert.Equal(Data.Train.ClassCount, EmojiDataset.ClassNames("train").Count);
    }

    [Fact]
    public void ImagesAre64PixelPngs()
    {
        var test = Data["test"];
        foreach (int i in new[] { 0, 1, test.Count / 2, test.Count - 1 })
        {
            var bytes = test.ReadBytes(i);
            Assert.True(bytes.AsSpan(0, 8).SequenceEqual(PngDecoder.Signature), $"{test.Items[i].Path} is not a PNG");
        }
    }
}
