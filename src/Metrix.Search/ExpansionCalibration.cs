using Metrix.Evaluation;
using Metrix.Tensors;

namespace Metrix.Search;

/// <summary>
/// Finds the smallest search expansion (ef) of a graph that reaches a recall@k target, measured on held-out
/// rows: rows of the data left out of the graph while it is calibrated (and inserted afterwards), searched for
/// against the exact k-NN (<see cref="Knn"/>) of the rows in the graph. Rows searched for while they are in
/// the graph would find themselves and their own links and overstate recall (0.954 against 0.830 at ef 64 on
/// clustered random vectors), hence held-out rows. The recall an HNSW graph reaches at a given ef depends on the
/// data far more than on its size (docs/performance.md: at 60,502 vectors ef 64 gives recall@10 0.99 on replicated
/// trained embeddings, clustered random vectors need ef 1024), so no fixed ef meets a recall goal on every data set.
/// The held-out rows stand for the queries only when queries are drawn like the gallery: a gallery of
/// near-duplicates searched with unseen images makes held-out rows easier than the queries (on replicated
/// embeddings it chose ef 16, recall 0.9996 on the rows, 0.93 on the queries), which is why it is a
/// measurement of <c>metrix bench index</c> and not the index's default.
/// </summary>
public static class ExpansionCalibration
{
    /// <summary>Largest ef tried.</summary>
    public const int MaxExpansion = 4096;

    /// <summary>
    /// <paramref name="count"/> distinct rows of <paramref name="n"/>, seeded (a partial Fisher–Yates shuffle), to hold out.
    /// </summary>
    public static int[] HeldOutRows(int n, int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count >= n) throw new ArgumentOutOfRangeException(nameof(count), count, $"must be below the row count {n}");
        var rows = Enumerable.Range(0, n).ToArray();
        var rng = new Rng(seed);
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.NextInt(n - i);
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
        var held = rows[..count];
        Array.Sort(held);
        return held;
    }

    /// <summary>
    /// Tries ef = max(k, 16), then doubling up to <see cref="MaxExpansion"/>: <paramref name="graph"/> holds every row of
    /// <paramref name="vectors"/> (keyed by row number) except <paramref name="heldOut"/>, which are searched for.
    /// Returns the first ef whose recall@<paramref name="k"/> is at least <paramref name="target"/>, or the largest
    /// tried when none is, with every (ef, recall) measured. The graph's <see cref="VectorGraph.ExpansionSearch"/> is
    /// left at the result.
    /// </summary>
    public static ExpansionChoice Calibrate(VectorGraph graph, ReadOnlySpan<float> vectors, IReadOnlyList<int> heldOut, int k, double target, int threads)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(heldOut);
        int dim = graph.Dim, n = vectors.Length / dim, samples = heldOut.Count;
        if (samples < 1) throw new ArgumentException("no held-out rows", nameof(heldOut));
        if (n - samples != graph.Count) throw new ArgumentException($"{n} rows less {samples} held out for a graph of {graph.Count}", nameof(vectors));
        if (k < 1 || k > graph.Count) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and {graph.Count}");
        if (target is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(target), target, "target must be in (0, 1]");

        var held = new HashSet<int>(heldOut);
        var inGraph = Enumerable.Range(0, n).Where(r => !held.Contains(r)).ToArray();
        var gallery = new float[(long)inGraph.Length * dim];
        for (int i = 0; i < inGraph.Length; i++) vectors.Slice(inGraph[i] * dim, dim).CopyTo(gallery.AsSpan(i * dim, dim));
        var queries = new float[(long)samples * dim];
        for (int i = 0; i < samples; i++) vectors.Slice(heldOut[i] * dim, dim).CopyTo(queries.AsSpan(i * dim, dim));
        var exact = Knn.Search(queries, gallery, dim, k);
        var truth = new HashSet<long>[samples];
        for (int i = 0; i < samples; i++)
        {
            truth[i] = [];
            foreach (int j in exact.IndicesOf(i)) truth[i].Add(inGraph[j]);
        }
        gallery = [];

        var tried = new List<(int Expansion, double Recall)>();
        for (int ef = Math.Max(k, 16); ; ef = Math.Min(ef * 2, MaxExpansion))
        {
            graph.ExpansionSearch = ef;
            long hits = 0;
            Parallel.For(0, samples, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, () => 0L, (i, _, local) =>
            {
                var keys = new long[k];
                var sims = new float[k];
                int found = graph.Search(queries.AsSpan(i * dim, dim), keys, sims);
                for (int j = 0; j < found; j++)
                    if (truth[i].Contains(keys[j])) local++;
                return local;
            }, local => Interlocked.Add(ref hits, local));
            double recall = hits / (double)(samples * k);
            tried.Add((ef, recall));
            if (recall >= target || ef == MaxExpansion) return new ExpansionChoice(ef, recall, recall >= target, samples, tried);
        }
    }
}
