using Metrix.Tensors;

namespace Metrix.Losses;

/// <summary>
/// The pair mining of multi-similarity (Wang et al. 2019, §3.2), as pytorch-metric-learning's
/// <c>MultiSimilarityMiner</c> applies it with cosine similarity: for anchor a, a negative n is kept when
/// s(a, n) + ε &gt; min over the positives p of s(a, p) (the hardest positive), and a positive p when
/// s(a, p) − ε &lt; max over the negatives n of s(a, n) (the hardest negative); both comparisons strict. An
/// anchor without positives keeps no negative, one without negatives no positive, and a batch with no positive
/// pair or no negative pair at all keeps nothing (the library returns empty tuples then). Written here rather than
/// called: the rule is a few comparisons on the similarities the loss computes anyway.
/// </summary>
public static class MultiSimilarityMiner
{
    /// <summary>The smallest accepted ε.</summary>
    public const double MinEpsilon = 0;

    /// <summary>The largest accepted ε: similarities of unit vectors span [−1, 1], so any larger ε keeps every pair.</summary>
    public const double MaxEpsilon = 2;

    /// <summary>Mines the batch <paramref name="embeddings"/> [N,D] (unit rows) with classes <paramref name="labels"/>.</summary>
    public static MinedPairs Mine(Tensor embeddings, int[] labels, double epsilon)
    {
        if (!(epsilon >= MinEpsilon && epsilon <= MaxEpsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"ε must be in [{MinEpsilon}, {MaxEpsilon}]");
        int n = labels.Length, d = embeddings.Dim(1);
        if (embeddings.Dim(0) != n) throw new ArgumentException($"{embeddings.Dim(0)} embeddings for {n} labels");
        var e = embeddings.Span;
        var s = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                s[i * n + j] = System.Numerics.Tensors.TensorPrimitives.Dot(e.Slice(i * d, d), e.Slice(j * d, d));
        bool anyPos = false, anyNeg = false;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j)
                {
                    if (labels[i] == labels[j]) anyPos = true;
                    else anyNeg = true;
                }
        var all = Pairs.AllInBatch(labels);
        var keep = new bool[all.Count];
        var positives = new int[n][];
        var negatives = new int[n][];
        int k = 0;
        for (int a = 0; a < n; a++)
        {
            // Hardest positive: the least similar; hardest negative: the most similar (±∞ when there is none).
            double hardPos = double.PositiveInfinity, hardNeg = double.NegativeInfinity;
            for (int j = 0; j < n; j++)
            {
                if (j == a) continue;
                double v = s[a * n + j];
                if (labels[j] == labels[a]) hardPos = Math.Min(hardPos, v);
                else hardNeg = Math.Max(hardNeg, v);
            }
            var pos = new List<int>();
            var neg = new List<int>();
            for (int j = 0; j < n; j++)
            {
                if (j == a) continue;
                double v = s[a * n + j];
                bool kept = anyPos && anyNeg && (labels[j] == labels[a] ? v - epsilon < hardNeg : v + epsilon > hardPos);
                keep[k++] = kept;
                if (kept) (labels[j] == labels[a] ? pos : neg).Add(j);
            }
            positives[a] = [.. pos];
            negatives[a] = [.. neg];
        }
        return new MinedPairs(new Pairs(all.Anchor, all.Candidate, all.Label, keep), positives, negatives);
    }
}
