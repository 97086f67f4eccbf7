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
/// </summary>
/// <remarks>
/// Two guards make the choice safe as a default. An ef is accepted only when the one-sided 95 % Wilson lower
/// bound of its recall (hits out of samples × k) reaches the target, so a sample that reaches the target by
/// chance does not pick too small an ef (at 0.99 and 5,000 neighbour slots the bound is about 0.002 below the
/// measured recall; the k slots of one row are not independent, so the bound is an approximation). And the
/// search starts at a floor, <see cref="DefaultMinExpansion"/>: held-out rows stand for the queries only when
/// queries are drawn like the gallery. A gallery of near-duplicates searched with unseen images makes held-out
/// rows easier than the queries (on replicated embeddings the rows reached 0.9996 at ef 16 while the queries had
/// 0.93 there, 0.988–0.992 at ef 64 and 0.997 at ef 128).
/// </remarks>
public static class ExpansionCalibration
{
    /// <summary>
    /// Largest ef tried. On 1,000,000 clustered random vectors recall@10 0.99 needs ef 8192 (docs/performance.md), where
    /// a graph query costs about as much as an exact scan; beyond that the scan wins.
    /// </summary>
    public const int MaxExpansion = 16384;

    /// <summary>The first ef tried by default (see the remarks).</summary>
    public const int DefaultMinExpansion = 128;

    /// <summary>Default held-out rows.</summary>
    public const int DefaultSamples = 500;

    /// <summary>Standard normal quantile of the one-sided 95 % bound.</summary>
    private const double Z = 1.6448536269514722;

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

    /// <summary>The one-sided 95 % Wilson lower bound of a proportion of <paramref name="hits"/> in <paramref name="trials"/>.</summary>
    public static double LowerBound(long hits, long trials)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        if (hits < 0 || hits > trials) throw new ArgumentOutOfRangeException(nameof(hits), hits, $"must be between 0 and {trials}");
        double n = trials, p = hits / n, z2 = Z * Z;
        double centre = p + z2 / (2 * n), spread = Z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return Math.Max(0, (centre - spread) / (1 + z2 / n));
    }

    /// <summary>
    /// Tries ef = max(k, <paramref name="minExpansion"/>), then doubling up to <see cref="MaxExpansion"/>: <paramref name="graph"/>
    /// holds every row of <paramref name="vectors"/> (keyed by row number) except <paramref name="heldOut"/>, which are
    /// searched for. Returns the first ef whose recall@<paramref name="k"/> has a lower bound (<see cref="LowerBound"/>)
    /// of at least <paramref name="target"/>, or the largest tried when none has, with every (ef, recall, bound) measured.
    /// The graph's <see cref="VectorGraph.ExpansionSearch"/> is left at the result.
    /// </summary>
    public static ExpansionChoice Calibrate(VectorGraph graph, ReadOnlySpan<float> vectors, IReadOnlyList<int> heldOut, int k, double target, int threads,
        int minExpansion = DefaultMinExpansion)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(heldOut);
        int dim = graph.Dim, n = vectors.Length / dim, samples = heldOut.Count;
        if (samples < 1) throw new ArgumentException("no held-out rows", nameof(heldOut));
        if (n - samples != graph.Count) throw new ArgumentException($"{n} rows less {samples} held out for a graph of {graph.Count}", nameof(vectors));
        if (k < 1 || k > graph.Count) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and {graph.Count}");
        if (target is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(target), target, "target must be in (0, 1]");
        if (minExpansion is < 1 or > MaxExpansion) throw new ArgumentOutOfRangeException(nameof(minExpansion), minExpansion, $"must be between 1 and {MaxExpansion}");

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

        var tried = new List<CalibrationPoint>();
        long slots = (long)samples * k;
        for (int ef = Math.Min(Math.Max(k, minExpansion), MaxExpansion); ; ef = Math.Min(ef * 2, MaxExpansion))
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
            var point = new CalibrationPoint(ef, hits / (double)slots, LowerBound(hits, slots));
            tried.Add(point);
            bool reached = point.LowerBound >= target;
            if (reached || ef == MaxExpansion) return new ExpansionChoice(ef, point.Recall, point.LowerBound, reached, samples, tried);
        }
    }
}
