using Metrix.Vision.Loading;
using Xunit;

namespace Metrix.Vision.Tests;

public sealed class SamplerTests
{
    [Fact]
    public void ShuffledSamplerDropsTheLastIncompleteBatchAndCoversEachImageOnce()
    {
        var sampler = new ShuffledSampler(103, 10, seed: 5);
        var batches = sampler.Epoch(0);
        Assert.Equal(10, batches.Length);
        Assert.All(batches, b => Assert.Equal(10, b.Length));
        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, i => Assert.InRange(i, 0, 102));
    }

    [Fact]
    public void SamplersAreSeededPerEpoch()
    {
        var a = new ShuffledSampler(50, 10, seed: 1);
        var b = new ShuffledSampler(50, 10, seed: 1);
        Assert.Equal(a.Epoch(3), b.Epoch(3));
        Assert.NotEqual(a.Epoch(3), a.Epoch(4));
        Assert.NotEqual(a.Epoch(3), new ShuffledSampler(50, 10, seed: 2).Epoch(3));
        var labels = Enumerable.Range(0, 60).Select(i => i / 3).ToArray();
        Assert.Equal(new BalancedSampler(labels, 12, 4, 9).Epoch(2), new BalancedSampler(labels, 12, 4, 9).Epoch(2));
    }

    [Fact]
    public void BalancedBatchesHoldDistinctClassesWithImagesPerClassEach()
    {
        // 20 classes of 3 images; batches of 3 classes × 4 images drawn with replacement.
        var labels = Enumerable.Range(0, 60).Select(i => i / 3).ToArray();
        var sampler = new BalancedSampler(labels, 12, 4, seed: 3);
        Assert.Equal(5, sampler.BatchesPerEpoch);
        foreach (var batch in sampler.Epoch(0))
        {
            Assert.Equal(12, batch.Length);
            var groups = batch.GroupBy(i => labels[i]).ToList();
            Assert.Equal(3, groups.Count);
            Assert.All(groups, g => Assert.Equal(4, g.Count()));
            for (int c = 0; c < 3; c++)
                Assert.Single(batch.Skip(4 * c).Take(4).Select(i => labels[i]).Distinct());
        }
    }

    [Fact]
    public void BalancedSamplerRejectsABatchSizeThatIsNotAMultiple()
    {
        var e = Assert.Throws<ArgumentException>(() => new BalancedSampler([0, 0, 1, 1], 10, 4, 1));
        Assert.Contains("--batch_size", e.Message);
    }

    [Fact]
    public void SeedMixerSeparatesCoordinates()
    {
        var seeds = new HashSet<ulong>();
        for (int e = 0; e < 20; e++)
            for (int b = 0; b < 20; b++)
                for (int p = 0; p < 20; p++) seeds.Add(SeedMixer.Mix(1, 3, e, b, p));
        Assert.Equal(8000, seeds.Count);
        Assert.NotEqual(SeedMixer.Mix(1, 1, 2), SeedMixer.Mix(1, 2, 1));
    }
}
