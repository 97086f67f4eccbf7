using System.Runtime.Intrinsics;
using Metrix.Evaluation;
using Metrix.Tensors;

namespace Metrix.Tests;

public sealed class KnnTests
{
    public static TheoryData<int> Widths()
    {
        var data = new TheoryData<int> { (int)ScanWidth.Scalar };
        if (Vector256.IsHardwareAccelerated) data.Add((int)ScanWidth.Vector256);
        if (Vector512.IsHardwareAccelerated) data.Add((int)ScanWidth.Vector512);
        return data;
    }

    // Small integer coordinates: every dot product is exact whatever the summation order, and ties abound.
    private static float[] IntegerRows(int rows, int dim, int seed)
    {
        var rng = new Random(seed);
        var data = new float[rows * dim];
        for (int i = 0; i < data.Length; i++) data[i] = rng.Next(-2, 3);
        return data;
    }

    // Every similarity, sorted by decreasing value then increasing index: the definition of the ranking.
    private static (int[] Indices, float[] Similarities) BruteForce(float[] q, float[] g, int dim, int k, bool excludeSelf)
    {
        int nq = q.Length / dim, ng = g.Length / dim;
        var indices = new int[nq * k];
        var sims = new float[nq * k];
        for (int i = 0; i < nq; i++)
        {
            var all = new List<(float S, int J)>();
            for (int j = 0; j < ng; j++)
            {
                if (excludeSelf && i == j) continue;
                float s = 0;
                for (int d = 0; d < dim; d++) s += q[i * dim + d] * g[j * dim + d];
                all.Add((s, j));
            }
            var ranked = all.OrderByDescending(p => p.S).ThenBy(p => p.J).Take(k).ToArray();
            for (int r = 0; r < k; r++)
            {
                indices[i * k + r] = ranked[r].J;
                sims[i * k + r] = ranked[r].S;
            }
        }
        return (indices, sims);
    }

    private static Neighbours Run(float[] q, float[] g, int dim, int k, bool excludeSelf, KnnOptions options, ScanWidth width)
    {
        int nq = q.Length / dim;
        var indices = new int[nq * k];
        var sims = new float[nq * k];
        var seen = new int[nq];
        Knn.Search(q, g, dim, k, excludeSelf, (first, count, kk, idx, sim) =>
        {
            idx.CopyTo(indices.AsSpan(first * kk));
            sim.CopyTo(sims.AsSpan(first * kk));
            for (int i = first; i < first + count; i++) Interlocked.Increment(ref seen[i]);
        }, options, width);
        Assert.All(seen, n => Assert.Equal(1, n));
        return new Neighbours(nq, k, indices, sims);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Blocked_search_with_ties_equals_the_full_sort(int width)
    {
        const int dim = 12;
        var q = IntegerRows(150, dim, 1);
        var g = IntegerRows(1300, dim, 2);
        foreach (var options in new[] { KnnOptions.Default, new KnnOptions { QueryBlock = 7, GalleryBlock = 100 } })
            foreach (int k in new[] { 1, 5, 70, 1300 })
            {
                var expected = BruteForce(q, g, dim, k, excludeSelf: false);
                var actual = Run(q, g, dim, k, false, options, (ScanWidth)width);
                Assert.Equal(expected.Indices, actual.Indices);
                Assert.Equal(expected.Similarities, actual.Similarities);
            }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Self_exclusion_removes_only_the_own_index(int width)
    {
        const int dim = 8;
        var x = IntegerRows(400, dim, 3);
        Array.Copy(x, 0, x, 5 * dim, dim); // row 5 duplicates row 0: each must find the other, not itself
        foreach (var options in new[] { KnnOptions.Default, new KnnOptions { QueryBlock = 13, GalleryBlock = 37 } })
            foreach (int k in new[] { 1, 3, 399 })
            {
                var expected = BruteForce(x, x, dim, k, excludeSelf: true);
                var actual = Run(x, x, dim, k, true, options, (ScanWidth)width);
                Assert.Equal(expected.Indices, actual.Indices);
                Assert.Equal(expected.Similarities, actual.Similarities);
                for (int i = 0; i < 400; i++) Assert.DoesNotContain(i, actual.IndicesOf(i).ToArray());
            }
    }

    [Fact]
    public void Hand_computed_unit_vectors_rank_by_cosine_then_index()
    {
        // Gallery on the unit circle: angles 0°, 90°, 0° (duplicate), 180°, 45°.
        float h = MathF.Sqrt(0.5f);
        using var scope = new TensorScope();
        var gallery = Tensor.FromArray([1, 0, 0, 1, 1, 0, -1, 0, h, h], 5, 2);
        var queries = Tensor.FromArray([1, 0, 0, -1], 2, 2);
        var n = Knn.Search(queries, gallery, k: 4);
        Assert.Equal([0, 2, 4, 1], n.IndicesOf(0).ToArray());
        Assert.Equal([1f, 1f, h, 0f], n.SimilaritiesOf(0).ToArray());
        // Query (0, −1): similarities 0, −1, 0, 0, −h; the three zeros tie and keep index order.
        Assert.Equal([0, 2, 3, 4], n.IndicesOf(1).ToArray());
        Assert.Equal([0f, 0f, 0f, -h], n.SimilaritiesOf(1).ToArray());
    }

    [Fact]
    public void Random_unit_embeddings_match_the_full_sort_within_rounding()
    {
        var rng = new Rng(11);
        using var scope = new TensorScope();
        var x = Ops.L2Normalize(rng.Normal([700, 64]));
        var data = x.ToArray();
        var n = Knn.Search(x, x, k: 20, excludeSelf: true);
        var (_, sims) = BruteForce(data, data, 64, 20, excludeSelf: true);
        for (int i = 0; i < sims.Length; i++) Assert.Equal(sims[i], n.Similarities[i], 1e-5f);
        for (int q = 0; q < 700; q++)
            for (int r = 0; r < 20; r++)
            {
                int j = n.IndicesOf(q)[r];
                float s = 0;
                for (int d = 0; d < 64; d++) s += data[q * 64 + d] * data[j * 64 + d];
                Assert.Equal(s, n.SimilaritiesOf(q)[r], 1e-5f);
            }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Fewer_queries_than_threads_split_the_gallery_and_rank_as_the_full_sort(int width)
    {
        const int dim = 12;
        var g = IntegerRows(1300, dim, 5);
        Array.Copy(g, 3 * dim, g, 1250 * dim, dim); // a tie across gallery parts: the lower index first
        var options = new KnnOptions { GalleryBlock = 100 };
        foreach (int nq in new[] { 1, 3 })
        {
            var q = IntegerRows(nq, dim, 6);
            foreach (int k in new[] { 1, 5, 450, 1300 })
            {
                var expected = BruteForce(q, g, dim, k, excludeSelf: false);
                using (Workers.Use(4))
                {
                    var split = Run(q, g, dim, k, false, options, (ScanWidth)width);
                    Assert.Equal(expected.Indices, split.Indices);
                    Assert.Equal(expected.Similarities, split.Similarities);
                }
            }
        }
    }

    [Fact]
    public void A_single_query_gets_the_same_bits_on_any_number_of_threads()
    {
        const int dim = 24;
        var rng = new Rng(8);
        var g = new float[5000 * dim];
        var q = new float[dim];
        rng.FillNormal(g, 0, 1);
        rng.FillNormal(q, 0, 1);
        Neighbours one;
        using (Workers.Use(1)) one = Knn.Search(q, g, dim, 20);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            using var scope = Workers.Use(threads);
            var many = Knn.Search(q, g, dim, 20);
            Assert.Equal(one.Indices, many.Indices);
            Assert.Equal(one.Similarities.Select(BitConverter.SingleToInt32Bits), many.Similarities.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var x = new float[12];
        Assert.Contains("between 1 and the 3 gallery items", Assert.Throws<ArgumentOutOfRangeException>(() => Knn.Search(x, x, 3, 4, excludeSelf: true)).Message);
        Assert.Contains("queries to be the gallery", Assert.Throws<ArgumentException>(() => Knn.Search(x, new float[9], 3, 1, excludeSelf: true)).Message);
        Assert.Contains("not a multiple of the dimension 5", Assert.Throws<ArgumentException>(() => Knn.Search(x, x, 5, 1)).Message);
        using var scope = new TensorScope();
        Assert.Contains("same D", Assert.Throws<ArgumentException>(() => Knn.Search(Tensor.Zeros(2, 3), Tensor.Zeros(2, 4), 1)).Message);
    }

    [Fact]
    public void Non_finite_embeddings_are_reported()
    {
        var x = new float[] { 1, 0, float.NaN, 0, 0, 1 };
        Assert.Contains("must be finite", Assert.Throws<InvalidOperationException>(() => Knn.Search(x, x, 2, 2, excludeSelf: true)).Message);
    }
}
