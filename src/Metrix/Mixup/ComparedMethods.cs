using Metrix.Losses;
using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Mixup;

/// <summary>
/// The mixing methods the paper compares Metrix with in Table 3 (docs/method.md#the-methods-of-table-3), each the
/// mixed part of one iteration's objective given the clean loss already computed. i-Mix and MoCHi keep the
/// objective's form E = ℓ + w·ℓ̃ so that only what is mixed and how it is labelled differs from Metrix; proxy
/// synthesis replaces ℓ by the proxy-anchor loss over the batch and its synthetic classes, as its own code does.
/// </summary>
public static class ComparedMethods
{
    /// <summary>Proxy synthesis's λ ~ Beta(0.4, 0.4) (the official code's <c>--ps_alpha 0.40</c>).</summary>
    public const double ProxySynthesisAlpha = 0.4;

    /// <summary>MoCHi's largest weight of the anchor in an anchor–negative mix (its β ∈ (0, 0.5)).</summary>
    public const double MoChiAnchorWeightMax = 0.5;

    /// <summary>
    /// i-Mix: each anchor a's images are mixed with those of its k hardest negatives q (<c>--hard_negatives</c>,
    /// among the mined negatives with <c>--miner_epsilon</c>), x̃ = λ·x_a + (1 − λ)·x_q with λ ~ Beta(α, α) per
    /// iteration; the mix's embedding is an anchor against every clean example j other than a and q, with the virtual
    /// label λ·[c_j = c_a] + (1 − λ)·[c_j = c_q].
    /// <c>embedMixed(first, second, λ)</c> returns the embeddings of the mixed images λ·x[first[m]] + (1 − λ)·x[second[m]]
    /// in order of m: the network's forward pass on one process, each rank's share gathered in data-parallel training.
    /// </summary>
    public static StepOutput IMix(Func<int[], int[], float, Tensor> embedMixed, Tensor embeddings, int[] labels, Tensor clean, PairLoss loss,
        MixupOptions options, Rng rng, MinedPairs? mined, bool keepMixedEmbeddings)
    {
        float lambda = (float)rng.Beta(options.Alpha, options.Alpha);
        var hard = MetrixObjective.HardNegatives(embeddings, labels, options.HardNegatives, mined?.Negatives);
        var (first, second) = AnchorNegativeMixes(hard);
        if (first.Length == 0) return new StepOutput(clean, clean.Item(), null, lambda, PairSet.AncNeg, 0, null);
        var pairs = IMixPairs(labels, first, second, lambda);
        var mixed = embedMixed(first, second, lambda);
        var mixedLoss = loss.Compute(mixed, embeddings, pairs);
        return Combine(clean, mixedLoss, options.MixWeight, lambda, PairSet.AncNeg, first.Length, mixed, keepMixedEmbeddings);
    }

    /// <summary>
    /// i-Mix's pairs: mix m (of rows <paramref name="first"/>[m] with weight λ and <paramref name="second"/>[m]) is
    /// the anchor, every other clean row j the candidate, labelled λ·[c_j = c_first] + (1 − λ)·[c_j = c_second].
    /// </summary>
    public static Pairs IMixPairs(int[] labels, int[] first, int[] second, float lambda)
    {
        int n = labels.Length;
        var pa = new List<int>();
        var pc = new List<int>();
        var py = new List<float>();
        for (int m = 0; m < first.Length; m++)
            for (int j = 0; j < n; j++)
            {
                if (j == first[m] || j == second[m]) continue;
                pa.Add(m);
                pc.Add(j);
                py.Add((labels[j] == labels[first[m]] ? lambda : 0f) + (labels[j] == labels[second[m]] ? 1 - lambda : 0f));
            }
        return new Pairs([.. pa], [.. pc], [.. py]);
    }

    /// <summary>
    /// MoCHi: per anchor a its k hardest negatives (<c>--hard_negatives</c>, among the mined ones with mining); with
    /// the pair set drawn for the iteration, anc–neg mixes a with each of them, β·f(a) + (1 − β)·f(q) with β ~ U(0, 0.5),
    /// and neg–neg mixes every two of them, α·f(q) + (1 − α)·f(q') with α ~ U(0, 1), a factor per mix. Mixes are
    /// L2-normalised and each is a negative (label 0) of its anchor only.
    /// </summary>
    public static StepOutput MoChi(Tensor embeddings, int[] labels, Tensor clean, PairLoss loss, MixupOptions options, Rng rng,
        MinedPairs? mined, bool keepMixedEmbeddings)
    {
        var set = options.PairSets[rng.NextInt(options.PairSets.Count)];
        var hard = MetrixObjective.HardNegatives(embeddings, labels, options.HardNegatives, mined?.Negatives);
        var (first, second, factors, anchors) = MoChiMixes(set, hard, rng);
        if (first.Length == 0) return new StepOutput(clean, clean.Item(), null, null, set, 0, null);
        var mixed = Ops.L2Normalize(MixOps.MixRows(embeddings, first, second, factors));
        var pairs = new Pairs(anchors, [.. Enumerable.Range(0, first.Length)], new float[first.Length]);
        var mixedLoss = loss.Compute(embeddings, mixed, pairs);
        return Combine(clean, mixedLoss, options.MixWeight, null, set, first.Length, mixed, keepMixedEmbeddings);
    }

    /// <summary>MoCHi's mixes for <paramref name="hard"/> negatives per anchor: rows, factors and the anchor of each.</summary>
    public static (int[] First, int[] Second, float[] Factors, int[] Anchors) MoChiMixes(PairSet set, int[][] hard, Rng rng)
    {
        var first = new List<int>();
        var second = new List<int>();
        var factors = new List<float>();
        var anchors = new List<int>();
        for (int a = 0; a < hard.Length; a++)
        {
            var q = hard[a];
            if (set == PairSet.AncNeg)
                foreach (int x in q)
                {
                    first.Add(a); second.Add(x); anchors.Add(a);
                    factors.Add((float)rng.Uniform(0, MoChiAnchorWeightMax));
                }
            else if (set == PairSet.NegNeg)
                for (int u = 0; u < q.Length; u++)
                    for (int v = u + 1; v < q.Length; v++)
                    {
                        first.Add(q[u]); second.Add(q[v]); anchors.Add(a);
                        factors.Add((float)rng.Uniform(0, 1));
                    }
            else throw new ArgumentException($"MoCHi mixes anc-neg or neg-neg pairs, not {set}", nameof(set));
        }
        return ([.. first], [.. second], [.. factors], [.. anchors]);
    }

    /// <summary>
    /// Proxy synthesis with proxy anchor: λ ~ Beta(0.4, 0.4) per iteration; every example i is mixed with its partner
    /// (<see cref="ProxySynthesisPartners"/>), ẽ_i = λ·e_i + (1 − λ)·e_partner, and so are their proxies,
    /// p̃_i = λ·p̂_c(i) + (1 − λ)·p̂_c(partner), both re-normalised; the synthetic pair (ẽ_i, p̃_i) is class C + i. The
    /// loss is proxy anchor over the batch and the synthetic embeddings against the proxies and the synthetic
    /// proxies (μ = 1: as many synthetic classes as examples).
    /// </summary>
    public static StepOutput ProxySynthesis(Tensor embeddings, int[] labels, Tensor clean, PairLoss loss, Rng rng, bool keepMixedEmbeddings)
    {
        if (loss is not ProxyAnchorLoss proxyAnchor)
            throw new ArgumentException($"proxy synthesis needs the proxy-anchor loss, not {loss.Name}", nameof(loss));
        float lambda = (float)rng.Beta(ProxySynthesisAlpha, ProxySynthesisAlpha);
        var (total, union) = ProxySynthesisLoss(embeddings, labels, proxyAnchor, lambda);
        // For the analysis, the synthetic embeddings only (the union's second half).
        int n = labels.Length, d = union.Dim(1);
        Tensor? kept = keepMixedEmbeddings ? TensorScope.Outside(() => Tensor.FromArray(union.Span.Slice(n * d).ToArray(), [n, d])) : null;
        return new StepOutput(total, clean.Item(), total.Item(), lambda, null, labels.Length, kept);
    }

    /// <summary>
    /// Proxy synthesis's loss for a given λ: proxy anchor over the batch and its synthetic classes, and the
    /// embeddings it was computed on ([2N, D]: the batch, then the synthetic embeddings).
    /// </summary>
    public static (Tensor Loss, Tensor Embeddings) ProxySynthesisLoss(Tensor embeddings, int[] labels, ProxyAnchorLoss proxyAnchor, float lambda)
    {
        var partner = ProxySynthesisPartners(labels);
        int n = labels.Length, classes = proxyAnchor.Proxies.Dim(0);
        var (rows, partners, factors) = WithIdentity(n, [.. Enumerable.Range(0, n)], partner, lambda);
        var union = Ops.L2Normalize(MixOps.MixRows(embeddings, rows, partners, factors));
        var (prow, ppartner, pfactors) = WithIdentity(classes, labels, [.. partner.Select(j => labels[j])], lambda);
        var proxies = Ops.L2Normalize(MixOps.MixRows(Ops.L2Normalize(proxyAnchor.Proxies), prow, ppartner, pfactors));
        var unionLabels = labels.Concat(Enumerable.Range(classes, n)).ToArray();
        return (proxyAnchor.Compute(proxies, union, Pairs.ProxiesToExamples(classes + n, unionLabels)), union);
    }

    /// <summary>
    /// Proxy synthesis's partner of each example: the official code pairs example i with i − 1 (a roll of the batch)
    /// and asks for batches whose neighbours differ in class; our balanced batches put a class's images together, so
    /// the partner is the nearest earlier example (cyclically) of another class, or −1 when the batch has one class.
    /// </summary>
    public static int[] ProxySynthesisPartners(int[] labels)
    {
        int n = labels.Length;
        var partner = new int[n];
        for (int i = 0; i < n; i++)
        {
            partner[i] = -1;
            for (int u = 1; u < n && partner[i] < 0; u++)
                if (labels[(i - u + n) % n] != labels[i]) partner[i] = (i - u + n) % n;
        }
        if (partner.Any(p => p < 0)) throw new ArgumentException("proxy synthesis needs at least two classes in a batch", nameof(labels));
        return partner;
    }

    // Rows 0..count−1 carried through unchanged (factor 1, mixed with themselves), then the mixes.
    private static (int[] First, int[] Second, float[] Factors) WithIdentity(int count, int[] first, int[] second, float lambda)
    {
        var f = Enumerable.Range(0, count).Concat(first).ToArray();
        var s = Enumerable.Range(0, count).Concat(second).ToArray();
        var w = Enumerable.Repeat(1f, count).Concat(Enumerable.Repeat(lambda, first.Length)).ToArray();
        return (f, s, w);
    }

    // Every anchor with each of its hard negatives, in anchor order.
    private static (int[] First, int[] Second) AnchorNegativeMixes(int[][] hard)
    {
        var first = new List<int>();
        var second = new List<int>();
        for (int a = 0; a < hard.Length; a++)
            foreach (int q in hard[a]) { first.Add(a); second.Add(q); }
        return ([.. first], [.. second]);
    }

    private static StepOutput Combine(Tensor clean, Tensor mixedLoss, double weight, double? lambda, PairSet set, int mixes, Tensor mixed, bool keep)
    {
        var total = Ops.Add(clean, Ops.Mul(mixedLoss, Tensor.Scalar((float)weight)));
        Tensor? kept = keep ? TensorScope.Outside(() => mixed.Detach()) : null;
        return new StepOutput(total, clean.Item(), mixedLoss.Item(), lambda, set, mixes, kept);
    }
}
