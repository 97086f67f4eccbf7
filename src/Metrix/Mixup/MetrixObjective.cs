using Metrix.Losses;
using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Mixup;

/// <summary>What one iteration's objective computed, for the log.</summary>
public sealed record StepOutput(Tensor Loss, double CleanLoss, double? MixedLoss, double? Lambda, PairSet? Set, int Mixes, Tensor? MixedEmbeddings)
{
    /// <summary>With <c>recordPairs</c>: the soft label y, ∂ℓ̃/∂s and the similarity s of every (anchor, mixed) pair of ℓ̃ (positivity analysis).</summary>
    public (float[] Labels, double[] Gradient, double[] Similarity)? MixedPairs { get; init; }
}

/// <summary>
/// The training objective of one iteration (SPEC §3, eq. 10): E = ℓ(clean) + w·ℓ̃(mixed), both the same
/// labelled loss, on clean pairs and on mixed examples with soft labels. λ ~ Beta(α, α) and the pair set
/// (uniform over the configured ones) are drawn once per iteration from the caller's <c>rng</c>.
/// </summary>
public static class MetrixObjective
{
    /// <summary>Proxy losses relate every mix to every proxy: at most this many mixes per image of the batch are kept.</summary>
    public const int ProxyMixesPerImage = 4;

    /// <summary>Runs the network on <paramref name="images"/> and returns the objective to back-propagate.</summary>
    public static StepOutput Compute(EmbeddingNet model, Tensor images, int[] labels, PairLoss loss, MixupOptions options, Rng rng,
        bool keepMixedEmbeddings = false, double[]? mixedPairGradient = null, bool recordPairs = false)
    {
        var features = model.Features(images);
        var pooled = EmbeddingNet.Pool(features);
        var embeddings = model.Embed(pooled);
        var clean = LossFactory.Clean(loss, embeddings, labels);
        if (options.Mode == MixMode.Baseline)
            return new StepOutput(clean, clean.Item(), null, null, null, 0, null);

        float lambda = (float)rng.Beta(options.Alpha, options.Alpha);
        var set = options.PairSets[rng.NextInt(options.PairSets.Count)];
        int[][]? hard = options.Mode == MixMode.Input ? HardNegatives(embeddings, labels, options.HardNegatives) : null;
        var plan = MixPlan.Create(set, labels, lambda, rng, hard);
        if (plan.Count == 0)
            return new StepOutput(clean, clean.Item(), null, lambda, set, 0, null);
        if (loss.ProxyAnchors || loss.ProxyCandidates) plan = Subsample(plan, ProxyMixesPerImage * labels.Length, rng);

        Tensor mixed = options.Mode switch
        {
            MixMode.Embed => MixOps.MixRows(embeddings, plan.First, plan.Second, lambda),
            MixMode.Feature => model.Embed(MixOps.MixedPool(features, plan.First, plan.Second, lambda)),
            MixMode.Input => model.Forward(MixOps.MixRows(images, plan.First, plan.Second, lambda)),
            _ => throw new InvalidOperationException(),
        };
        var pairs = MixedPairList(loss, plan, labels);
        if (recordPairs && mixedPairGradient is null) mixedPairGradient = new double[pairs.Count];
        var similarity = recordPairs ? new double[pairs.Count] : null;
        var mixedLoss = Mixed(loss, embeddings, mixed, pairs, mixedPairGradient, similarity);
        var total = Ops.Add(clean, Ops.Mul(mixedLoss, Tensor.Scalar((float)options.MixWeight)));
        Tensor? kept = keepMixedEmbeddings ? TensorScope.Outside(() => mixed.Detach()) : null;
        return new StepOutput(total, clean.Item(), mixedLoss.Item(), lambda, set, plan.Count, kept)
        {
            MixedPairs = recordPairs ? (pairs.Label.ToArray(), mixedPairGradient!, similarity!) : null,
        };
    }

    /// <summary>ℓ̃: the same loss with the mixed examples as candidates (or, for proxy losses, against every proxy with mixed labels).</summary>
    private static Tensor Mixed(PairLoss loss, Tensor embeddings, Tensor mixed, Pairs pairs, double[]? pairGradient, double[]? similarity) => loss switch
    {
        ProxyAnchorLoss pa => loss.Compute(Ops.L2Normalize(pa.Proxies), mixed, pairs, pairGradient, similarity),
        ProxyNcaLoss pn => loss.Compute(mixed, Ops.L2Normalize(pn.Proxies), pairs, pairGradient, similarity),
        _ => loss.Compute(embeddings, mixed, pairs, pairGradient, similarity),
    };

    /// <summary>The pairs of ℓ̃: the plan's (anchor, mix) pairs, or every (proxy, mix) pair for proxy losses.</summary>
    private static Pairs MixedPairList(PairLoss loss, MixPlan plan, int[] labels) => loss switch
    {
        ProxyAnchorLoss pa => ProxyPairs(plan, labels, pa.Proxies.Dim(0), proxiesAnchor: true),
        ProxyNcaLoss pn => ProxyPairs(plan, labels, pn.Proxies.Dim(0), proxiesAnchor: false),
        _ => plan.Pairs,
    };

    /// <summary>Mix m against proxy k, label λ·[k = c(first)] + (1 − λ)·[k = c(second)].</summary>
    private static Pairs ProxyPairs(MixPlan plan, int[] labels, int classes, bool proxiesAnchor)
    {
        int count = plan.Count * classes, t = 0;
        var proxy = new int[count];
        var mix = new int[count];
        var y = new float[count];
        for (int m = 0; m < plan.Count; m++)
            for (int k = 0; k < classes; k++)
            {
                proxy[t] = k;
                mix[t] = m;
                y[t++] = (labels[plan.First[m]] == k ? plan.Lambda : 0f) + (labels[plan.Second[m]] == k ? 1 - plan.Lambda : 0f);
            }
        return proxiesAnchor ? new Pairs(proxy, mix, y) : new Pairs(mix, proxy, y);
    }

    /// <summary>A random subset of at most <paramref name="limit"/> mixes, with their pairs.</summary>
    private static MixPlan Subsample(MixPlan plan, int limit, Rng rng)
    {
        if (plan.Count <= limit) return plan;
        var keep = rng.Choice(plan.Count, limit, replace: false);
        Array.Sort(keep);
        var newIndex = new Dictionary<int, int>();
        for (int u = 0; u < keep.Length; u++) newIndex[keep[u]] = u;
        var pa = new List<int>();
        var pc = new List<int>();
        var py = new List<float>();
        for (int k = 0; k < plan.Pairs.Count; k++)
            if (newIndex.TryGetValue(plan.Pairs.Candidate[k], out int m))
            {
                pa.Add(plan.Pairs.Anchor[k]);
                pc.Add(m);
                py.Add(plan.Pairs.Label[k]);
            }
        return new MixPlan(keep.Select(u => plan.First[u]).ToArray(), keep.Select(u => plan.Second[u]).ToArray(), plan.Lambda,
            new Pairs([.. pa], [.. pc], [.. py]), plan.Set);
    }

    /// <summary>Per anchor, the <paramref name="k"/> negatives with the largest clean similarity (ties: lower index).</summary>
    public static int[][] HardNegatives(Tensor embeddings, int[] labels, int k)
    {
        int n = labels.Length, d = embeddings.Dim(1);
        var e = embeddings.Span;
        var result = new int[n][];
        for (int a = 0; a < n; a++)
        {
            var candidates = new List<(float S, int I)>();
            for (int x = 0; x < n; x++)
                if (labels[x] != labels[a])
                    candidates.Add((System.Numerics.Tensors.TensorPrimitives.Dot(e.Slice(a * d, d), e.Slice(x * d, d)), x));
            result[a] = candidates.OrderByDescending(c => c.S).ThenBy(c => c.I).Take(k).Select(c => c.I).ToArray();
        }
        return result;
    }
}
