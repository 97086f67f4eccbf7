namespace Metrix.Evaluation;

/// <summary>Retrieval measures on ranked neighbour lists (best first).</summary>
public static class RetrievalMetrics
{
    /// <summary>Rank (0-based) of the first neighbour with the query's label, or −1 when none of them has it.</summary>
    public static int FirstHit(ReadOnlySpan<int> neighbours, ReadOnlySpan<int> galleryLabels, int queryLabel)
    {
        for (int r = 0; r < neighbours.Length; r++)
            if (galleryLabels[neighbours[r]] == queryLabel) return r;
        return -1;
    }

    /// <summary>
    /// Average precision at R (Musgrave et al. 2020): (1/R)·Σ_{i=1..R} P(i)·rel(i), with rel(i) = 1 when the
    /// i-th neighbour has the query's label and P(i) the precision among the first i. Needs at least R
    /// neighbours; R is the number of same-class references in the gallery (0 gives 0).
    /// </summary>
    public static double AveragePrecisionAtR(ReadOnlySpan<int> neighbours, ReadOnlySpan<int> galleryLabels, int queryLabel, int r)
    {
        if (r <= 0) return 0;
        if (neighbours.Length < r)
            throw new ArgumentException($"MAP@R needs R = {r} neighbours, got {neighbours.Length}", nameof(neighbours));
        int hits = 0;
        double sum = 0;
        for (int i = 0; i < r; i++)
        {
            if (galleryLabels[neighbours[i]] != queryLabel) continue;
            hits++;
            sum += (double)hits / (i + 1);
        }
        return sum / r;
    }

    /// <summary>
    /// Recall@K for each K of <paramref name="ks"/>: the fraction of queries with a same-label item among
    /// their K nearest neighbours (K beyond the neighbours searched means all of them).
    /// </summary>
    public static double[] RecallAtK(Neighbours neighbours, ReadOnlySpan<int> queryLabels, ReadOnlySpan<int> galleryLabels, IReadOnlyList<int> ks)
    {
        if (queryLabels.Length != neighbours.QueryCount)
            throw new ArgumentException($"{queryLabels.Length} query labels for {neighbours.QueryCount} queries", nameof(queryLabels));
        var firstHits = new int[neighbours.QueryCount];
        for (int q = 0; q < firstHits.Length; q++)
            firstHits[q] = FirstHit(neighbours.IndicesOf(q), galleryLabels, queryLabels[q]);
        return RecallFromFirstHits(firstHits, ks);
    }

    /// <summary>
    /// MAP@R over the queries that have at least one same-label reference (R &gt; 0), as pytorch-metric-learning
    /// leaves out queries whose class has no other member. <paramref name="excludeSelf"/>: the queries are
    /// the gallery, so a query's own item is not one of its references. Returns 0 when no query has R &gt; 0.
    /// </summary>
    public static double MapAtR(Neighbours neighbours, ReadOnlySpan<int> queryLabels, ReadOnlySpan<int> galleryLabels, bool excludeSelf)
    {
        var counts = LabelCounts(galleryLabels);
        double sum = 0;
        int used = 0;
        for (int q = 0; q < neighbours.QueryCount; q++)
        {
            int r = References(counts, queryLabels[q], excludeSelf);
            if (r == 0) continue;
            sum += AveragePrecisionAtR(neighbours.IndicesOf(q), galleryLabels, queryLabels[q], r);
            used++;
        }
        return used == 0 ? 0 : sum / used;
    }

    /// <summary>Recall@K from first-hit ranks (−1 = no hit).</summary>
    internal static double[] RecallFromFirstHits(ReadOnlySpan<int> firstHits, IReadOnlyList<int> ks)
    {
        var recall = new double[ks.Count];
        if (firstHits.Length == 0) return recall;
        for (int i = 0; i < ks.Count; i++)
        {
            int hits = 0;
            foreach (int h in firstHits)
                if (h >= 0 && h < ks[i]) hits++;
            recall[i] = (double)hits / firstHits.Length;
        }
        return recall;
    }

    internal static Dictionary<int, int> LabelCounts(ReadOnlySpan<int> labels)
    {
        var counts = new Dictionary<int, int>();
        foreach (int l in labels) counts[l] = counts.GetValueOrDefault(l) + 1;
        return counts;
    }

    /// <summary>R: same-label gallery items of a query, less its own item when the queries are the gallery.</summary>
    internal static int References(Dictionary<int, int> galleryCounts, int label, bool excludeSelf) =>
        Math.Max(0, galleryCounts.GetValueOrDefault(label) - (excludeSelf ? 1 : 0));
}
