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
    public override bool ProxyAnchors => true;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Tensor)> Parameters => [("proxies", Proxies)];
}
