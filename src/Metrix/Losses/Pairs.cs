namespace Metrix.Losses;

/// <summary>
/// Labelled (anchor, candidate) pairs: the argument of every loss. <c>Label[k]</c> ∈ [0,1] is the
/// positivity of candidate <c>Candidate[k]</c> for anchor <c>Anchor[k]</c> (1 = same class; soft for
/// mixed examples). A clean batch and a mixed batch are both just pair lists. <c>Keep</c>, when given, marks
/// the pairs a miner kept: a pair with <c>Keep[k]</c> false adds no term to the loss but its anchor still counts
/// in the reduction (pytorch-metric-learning's losses average over every anchor of the batch when a miner is used).
/// </summary>
public sealed class Pairs(int[] anchor, int[] candidate, float[] label, bool[]? keep = null)
{
    /// <summary>Anchor row per pair.</summary>
    public int[] Anchor { get; } = anchor;

    /// <summary>Candidate row per pair.</summary>
    public int[] Candidate { get; } = candidate;

    /// <summary>Soft label per pair.</summary>
    public float[] Label { get; } = label;

    /// <summary>Pairs a miner kept (null: all).</summary>
    public bool[]? Keep { get; } = keep;

    /// <summary>Whether pair <paramref name="k"/> adds its terms to the loss.</summary>
    public bool Kept(int k) => Keep is null || Keep[k];

    /// <summary>Number of pairs.</summary>
    public int Count => Anchor.Length;

    /// <summary>Every (i, j), i ≠ j, of one batch, labelled 1 when the classes agree.</summary>
    public static Pairs AllInBatch(ReadOnlySpan<int> labels)
    {
        int n = labels.Length, count = n * (n - 1), k = 0;
        var a = new int[count];
        var c = new int[count];
        var y = new float[count];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                a[k] = i;
                c[k] = j;
                y[k++] = labels[i] == labels[j] ? 1f : 0f;
            }
        return new Pairs(a, c, y);
    }

    /// <summary>Every (proxy k, example i): label 1 when example i is of class k (proxy-anchor).</summary>
    public static Pairs ProxiesToExamples(int classes, ReadOnlySpan<int> labels)
    {
        int n = labels.Length, k = 0;
        var a = new int[classes * n];
        var c = new int[classes * n];
        var y = new float[classes * n];
        for (int p = 0; p < classes; p++)
            for (int i = 0; i < n; i++)
            {
                a[k] = p;
                c[k] = i;
                y[k++] = labels[i] == p ? 1f : 0f;
            }
        return new Pairs(a, c, y);
    }

    /// <summary>Every (example i, proxy k): label 1 when example i is of class k (ProxyNCA-style).</summary>
    public static Pairs ExamplesToProxies(int classes, ReadOnlySpan<int> labels) => ProxiesToExamples(classes, labels).Transposed();

    /// <summary>
    /// Every (proxy k, mix m), mix by mix: mix m blends rows <paramref name="first"/>[m] with weight λ and
    /// <paramref name="second"/>[m] with weight 1 − λ, so its soft label for proxy k is
    /// λ·[k = c(first)] + (1 − λ)·[k = c(second)] (c the class in <paramref name="labels"/>).
    /// </summary>
    public static Pairs ProxiesToMixes(int classes, ReadOnlySpan<int> labels, ReadOnlySpan<int> first, ReadOnlySpan<int> second, float lambda)
    {
        int mixes = first.Length, count = mixes * classes, t = 0;
        var proxy = new int[count];
        var mix = new int[count];
        var y = new float[count];
        for (int m = 0; m < mixes; m++)
            for (int k = 0; k < classes; k++)
            {
                proxy[t] = k;
                mix[t] = m;
                y[t++] = (labels[first[m]] == k ? lambda : 0f) + (labels[second[m]] == k ? 1 - lambda : 0f);
            }
        return new Pairs(proxy, mix, y);
    }

    /// <summary>The same pairs with anchors and candidates swapped.</summary>
    public Pairs Transposed() => new(Candidate, Anchor, Label, Keep);
}
