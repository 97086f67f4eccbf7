using Metrix.Vision.Datasets;
using Metrix.Vision.Loading;
using Xunit;

namespace Metrix.Vision.Tests;

/// <summary>A data-parallel rank loads the rows of its shard of a batch with the augmentation they have in the whole batch.</summary>
public sealed class BatchLoaderShardTests
{
    [Fact]
    public void ShardsLoadedAtTheirFirstRowsAreTheWholeBatchsPixels()
    {
        var set = EmojiDataset.Load()["test"].Subset("test", Enumerable.Range(0, 12), relabel: false);
        var loader = new BatchLoader(new ImageCache(set, maxShorterSide: 40), 32, train: true, workers: 2, seed: 9);
        int[][] batches = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];
        var whole = loader.Load(batches, epoch: 2).Select(b => (b.Images.ToArray(), b.Labels)).ToList();

        int[] cuts = [0, 2, 6];
        for (int part = 0; part < 2; part++)
        {
            int start = cuts[part], end = cuts[part + 1];
            var shards = batches.Select(b => b[start..end]).ToArray();
            var loaded = loader.Load(shards, epoch: 2, firstRows: [start, start]).ToList();
            for (int b = 0; b < batches.Length; b++)
            {
                int plane = 3 * 32 * 32;
                Assert.Equal(whole[b].Item1.AsSpan(start * plane, (end - start) * plane).ToArray(), loaded[b].Images.ToArray());
                Assert.Equal(whole[b].Labels[start..end], loaded[b].Labels);
            }
        }
        // Shards loaded at row 0 get other crops: the first row matters.
        var atZero = loader.Load([batches[0][2..6]], epoch: 2).Single();
        Assert.NotEqual(whole[0].Item1.AsSpan(2 * 3 * 32 * 32, 4 * 3 * 32 * 32).ToArray(), atZero.Images.ToArray());
    }
}
