using Metrix.Tensors;

namespace Metrix.Losses;

/// <summary>
/// ProxyNCA / ProxyNCA++ (Teh 2020): examples are anchors, proxies the candidates (normalised); NCA over
/// the proxies. ProxyNCA++ scales both by 3 and divides squared distances by T = 1/9; for unit vectors
/// −‖3x − 3p‖² = 18·s − 18, i.e. a softmax of s / (1/18); proxies start N(0,1)/8 and the positive proxy
/// stays in the denominator.
/// </summary>
public sealed class ProxyNcaLoss : NcaLoss
{
    /// <summary>Creates the loss; <paramref name="plusPlus"/> selects ProxyNCA++'s temperature and init.</summary>
    public ProxyNcaLoss(int classes, int dim, Rng rng, bool plusPlus) : base(plusPlus ? "proxynca++" : "proxynca", plusPlus ? 1.0 / 18 : 1)
    {
        Proxies = Tensor.Persistent(classes, dim).RequireGrad();
        rng.FillNormal(Proxies.Span, 0, plusPlus ? 1.0 / 8 : 1);
    }

    /// <summary>[C,D].</summary>
    public Tensor Proxies { get; }

    /// <inheritdoc/>
    public override bool ProxyCandidates => true;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Tensor)> Parameters => [("proxies", Proxies)];
}
