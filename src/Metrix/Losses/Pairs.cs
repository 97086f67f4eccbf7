namespace Metrix.Losses;

/// <summary>
/// Labelled (anchor, candidate) pairs: the argument of every loss. <c>Label[k]</c> ∈ [0,1] is the
/// positivity of candidate <c>Candidate[k]</c> for anchor <c>Anchor[k]</c> (1 = same class; soft for
/// mixed examples). A clean batch and a mixed batch are both just pair lists.
/// </summary>
public sealed class Pairs(int[] anchor, int[] candidate, float[] label)
{
    /// <summary>Anchor row per pair.</summary>
    public int[] Anchor { get; } = anchor;

    /// <summary>Candidate row per pair.</summary>
    public int[] Candidate { get; } = candidate;

    /// <summary>Soft label per pair.</summary>
    public float[] Label { get; } = label;

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
    public static Pairs ExamplesToProxies(int classes, ReadOnlySpan<int> labels)
    {
        var t = ProxiesToExamples(classes, labels);
        return new Pairs(t.Candidate, t.Anchor, t.Label);
    }
}
