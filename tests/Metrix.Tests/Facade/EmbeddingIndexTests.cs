using Metrix.Tensors;

namespace Metrix.Tests;

/// <summary>The index against a brute-force cosine ranking.</summary>
public sealed class EmbeddingIndexTests
{
    private static float[][] Vectors(int n, int d, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (float)rng.Normal()).ToArray()).ToArray();
    }

    [Fact]
    public void FindsTheBruteForceNeighboursByCosine()
    {
        var gallery = Vectors(300, 12, 1);
        var queries = Vectors(20, 12, 2);
        var index = new EmbeddingIndex(gallery);
        var found = index.Search(queries, 5);
        for (int q = 0; q < queries.Length; q++)
        {
            var expected = gallery.Select((g, i) => (i, s: EmbeddingIndex.Cosine(queries[q], g))).OrderByDescending(t => t.s).Take(5).ToArray();
            Assert.Equal(expected.Select(t => t.i), found[q].Select(h => h.Index));
            for (int j = 0; j < 5; j++) Assert.Equal(expected[j].s, found[q][j].Similarity, 1e-5f);
        }
        var single = index.Search(queries[3], 5);
        Assert.Equal(found[3].Select(h => h.Index), single.Select(h => h.Index));
        for (int j = 0; j < 5; j++) Assert.Equal(found[3][j].Similarity, single[j].Similarity, 1e-5f);
    }

    [Fact]
    public void ExcludeSelfLeavesOutTheQuerysOwnRow()
    {
        var gallery = Vectors(50, 8, 3);
        var index = new EmbeddingIndex(gallery);
        var withSelf = index.Search(gallery, 2);
        var without = index.Search(gallery, 2, excludeSelf: true);
        for (int i = 0; i < gallery.Length; i++)
        {
            Assert.Equal(i, withSelf[i][0].Index);
            Assert.Equal(1f, withSelf[i][0].Similarity, 1e-5f);
            Assert.DoesNotContain(without[i], h => h.Index == i);
        }
    }

    [Fact]
    public void CosineIgnoresLengthAndKIsCappedByTheIndex()
    {
        Assert.Equal(1f, EmbeddingIndex.Cosine([1, 2, 3], [2, 4, 6]), 1e-6f);
        Assert.Equal(0f, EmbeddingIndex.Cosine([1, 0], [0, 5]), 1e-6f);
        var index = new EmbeddingIndex([[1f, 0f], [0f, 1f], [1f, 1f]]);
        Assert.Equal(3, index.Search([1f, 0.1f], 10).Count);
        Assert.Equal([0, 2, 1], index.Search([1f, 0.1f], 10).Select(h => h.Index));
    }

    [Fact]
    public void BadVectorsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new EmbeddingIndex([[1f, 0f], [1f]]));
        Assert.Throws<ArgumentException>(() => new EmbeddingIndex([[0f, 0f]]));
        Assert.Throws<ArgumentException>(() => new EmbeddingIndex([[1f, 0f]]).Search([1f, 0f, 0f], 1));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Cosine([1f], [1f, 2f]));
    }
}
