using Metrix.Tensors;

namespace Metrix.Losses;

/// <summary>
/// Proxy anchor (Kim 2020): proxies [C,D] are the anchors (L2-normalised, Kaiming-normal fan_out init);
/// σ± = log(1+x), ρ⁺ = e^{−α(s−m)}, ρ⁻ = e^{α(s+m)}, α = 32, m = 0.1; positive part averaged over proxies
/// with positives, negative part over all proxies.
/// </summary>
public sealed class ProxyAnchorLoss : LabelFormLoss
{
    /// <summary>Creates the loss with one proxy per class drawn from <paramref name="rng"/>.</summary>
    public ProxyAnchorLoss(int classes, int dim, Rng rng, double alpha = 32, double margin = 0.1) : base("proxyanchor",
        new(s => Math.Exp(-alpha * (s - margin)), s => -alpha * Math.Exp(-alpha * (s - margin))),
        new(s => Math.Exp(alpha * (s + margin)), s => alpha * Math.Exp(alpha * (s + margin))),
        new(x => Math.Log(1 + x), x => 1 / (1 + x)), new(x => Math.Log(1 + x), x => 1 / (1 + x)),
        Identity, perPolarity: true)
    {
        Proxies = Tensor.Persistent(classes, dim).RequireGrad();
        rng.FillNormal(Proxies.Span, 0, Math.Sqrt(2.0 / classes));
    }

    /// <summary>[C,D].</summary>
    public Tensor Proxies { get; }

    /// <inheritdoc/>
    public override int? MixesPerImage => ProxyMixesPerImage;

    /// <summary>Every (proxy k, example i), label 1 when example i is of class k; the proxies are the anchors.</summary>
    public override Tensor Clean(Tensor embeddings, int[] labels, double[]? pairGradient = null) =>
        Compute(Ops.L2Normalize(Proxies), embeddings, Pairs.ProxiesToExamples(Proxies.Dim(0), labels), pairGradient);

    /// <summary>Every (proxy k, mix m) with the soft label of <see cref="Pairs.ProxiesToMixes"/>.</summary>
    public override Pairs MixedPairs(Pairs planPairs, ReadOnlySpan<int> labels, ReadOnlySpan<int> first, ReadOnlySpan<int> second, float lambda) =>
        Pairs.ProxiesToMixes(Proxies.Dim(0), labels, first, second, lambda);

    /// <summary>The proxies (normalised) are the anchors, the mixed embeddings the candidates.</summary>
    public override Tensor Mixed(Tensor embeddings, Tensor mixed, Pairs pairs, double[]? pairGradient = null, double[]? pairSimilarity = null) =>
        Compute(Ops.L2Normalize(Proxies), mixed, pairs, pairGradient, pairSimilarity);

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Tensor)> Parameters => [("proxies", Proxies)];
}
