using Metrix.Losses;

namespace Metrix.Mixup;

/// <summary>
/// What to mix in one iteration: the distinct mixes (first, second) of batch rows, mixed with λ, and the
/// labelled pairs relating each anchor to the mixes that are in its M(a).
/// </summary>
public sealed class MixPlan(int[] first, int[] second, float lambda, Pairs pairs, PairSet set)
{
    /// <summary>Row mixed with weight λ.</summary>
    public int[] First { get; } = first;

    /// <summary>Row mixed with weight 1 − λ.</summary>
    public int[] Second { get; } = second;

    /// <summary>λ.</summary>
    public float Lambda { get; } = lambda;

    /// <summary>(anchor row, mix index, soft label).</summary>
    public Pairs Pairs { get; } = pairs;

    /// <summary>The pair set.</summary>
    public PairSet Set { get; } = set;

    /// <summary>Number of distinct mixed examples.</summary>
    public int Count => First.Length;

    /// <summary>
    /// Builds the plan for a batch. <paramref name="negatives"/>, when given, replaces N(a) by a chosen subset
    /// per anchor (input mixup's hard negatives); otherwise every negative is used. Neg-neg mixes each example
    /// with the next one of a different class in a random order (N(a) × N(a) in full is quadratic per anchor),
    /// paired with every anchor of a third class.
    /// </summary>
    /// <remarks><paramref name="positives"/>, when given, replaces P(a) likewise (the positives a miner kept).</remarks>
    public static MixPlan Create(PairSet set, int[] labels, float lambda, Metrix.Tensors.Rng rng, int[][]? negatives = null, int[][]? positives = null)
    {
        int n = labels.Length;
        var first = new List<int>();
        var second = new List<int>();
        var pa = new List<int>();
        var pc = new List<int>();
        var py = new List<float>();
        var index = new Dictionary<(int, int), int>();
        int Mix(int i, int j)
        {
            if (!index.TryGetValue((i, j), out int m))
            {
                m = first.Count;
                index[(i, j)] = m;
                first.Add(i);
                second.Add(j);
            }
            return m;
        }
        void Pair(int anchor, int mix, float label) { pa.Add(anchor); pc.Add(mix); py.Add(label); }
        IEnumerable<int> Negatives(int a) => negatives?[a] ?? Enumerable.Range(0, n).Where(x => labels[x] != labels[a]);
        IEnumerable<int> Positives(int a) => positives?[a] ?? Enumerable.Range(0, n).Where(x => x != a && labels[x] == labels[a]);
        switch (set)
        {
            case PairSet.PosNeg:
                for (int a = 0; a < n; a++)
                    foreach (int p in Positives(a))
                        foreach (int q in Negatives(a)) Pair(a, Mix(p, q), lambda);
                break;
            case PairSet.AncNeg:
                for (int a = 0; a < n; a++)
                    foreach (int q in Negatives(a)) Pair(a, Mix(a, q), lambda);
                break;
            case PairSet.PosPos:
                for (int a = 0; a < n; a++)
                {
                    var pos = Positives(a).ToArray();
                    for (int u = 0; u < pos.Length; u++)
                        for (int v = u + 1; v < pos.Length; v++) Pair(a, Mix(pos[u], pos[v]), 1f);
                }
                break;
            case PairSet.NegNeg:
                var order = rng.Permutation(n);
                for (int t = 0; t < n; t++)
                {
                    int i = order[t];
                    int j = -1;
                    for (int u = 1; u < n && j < 0; u++)
                        if (labels[order[(t + u) % n]] != labels[i]) j = order[(t + u) % n];
                    if (j < 0) continue;
                    int m = Mix(i, j);
                    for (int a = 0; a < n; a++)
                        if (labels[a] != labels[i] && labels[a] != labels[j]) Pair(a, m, 0f);
                }
                break;
        }
        return new MixPlan([.. first], [.. second], lambda, new Pairs([.. pa], [.. pc], [.. py]), set);
    }
}
