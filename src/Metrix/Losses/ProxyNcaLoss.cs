using Metrix.Tensors;

namespace Metrix.Losses;

/// <summary>
/// ProxyNCA / ProxyNCA++ (docs/method.md#proxynca): examples are anchors, proxies the candidates
/// (normalised); NCA over the proxies with the positive proxy in the denominator. ProxyNCA++ (Teh 2020) scales
/// both by 3 and divides squared distances by T = 1/9; for unit vectors −‖3x − 3p‖² = 18·s − 18, i.e. a
/// softmax of s / (1/18); proxies start N(0,1)/8. ProxyNCA is pytorch-metric-learning's ProxyNCALoss, which
/// the release builds on: a softmax of −‖x − p‖² = 2s − 2 over all proxies, i.e. T = 1/2; proxies start N(0,1).
/// (Movshovitz-Attias 2017 leave the positive proxy out of the denominator; docs/loss-references.md.)
/// </summary>
public sealed class ProxyNcaLoss : NcaLoss
{
    /// <summary>Creates the loss; <paramref name="plusPlus"/> selects ProxyNCA++'s temperature and init.</summary>
    public ProxyNcaLoss(int classes, int dim, Rng rng, bool plusPlus) : base(plusPlus ? "proxynca++" : "proxynca", plusPlus ? 1.0 / 18 : 0.5)
    {
        Proxies = Tensor.Persistent(classes, dim).RequireGrad();
        rng.FillNormal(Proxies.Span, 0, plusPlus ? 1.0 / 8 : 1);
    }

    /// <summary>[C,D].</summary>
    public Tensor Proxies { get; }

    /// <inheritdoc/>
    public override int? MixesPerImage => ProxyMixesPerImage;

    /// <summary>Every (example i, proxy k), label 1 when example i is of class k; the proxies are the candidates.</summary>
    public override Tensor Clean(Tensor embeddings, int[] labels, double[]? pairGradient = null) =>
        Compute(embeddings, Ops.L2Normalize(Proxies), Pairs.ExamplesToProxies(Proxies.Dim(0), labels), pairGradient);

    /// <summary>Every (mix m, proxy k) with the soft label of <see cref="Pairs.ProxiesToMixes"/>.</summary>
    public override Pairs MixedPairs(Pairs planPairs, ReadOnlySpan<int> labels, ReadOnlySpan<int> first, ReadOnlySpan<int> second, float lambda) =>
        Pairs.ProxiesToMixes(Proxies.Dim(0), labels, first, second, lambda).Transposed();

    /// <summary>The mixed embeddings are the anchors, the proxies (normalised) the candidates.</summary>
    public override Tensor Mixed(Tensor embeddings, Tensor mixed, Pairs pairs, double[]? pairGradient = null, double[]? pairSimilarity = null) =>
        Compute(mixed, Ops.L2Normalize(Proxies), pairs, pairGradient, pairSimilarity);

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Tensor)> Parameters => [("proxies", Proxies)];
}
