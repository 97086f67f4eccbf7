using Metrix.Tensors;

namespace Metrix.Losses;

/// <summary>
/// The generic label-form loss of SPEC §2: per anchor a, with P = Σ y·ρ⁺(s) and N = Σ w⁻·ρ⁻(s) over its
/// pairs (w⁻ = 1 − y, or 1 for the NCA family whose denominators run over every candidate),
/// ℓ(a) = τ(σ⁺(P) + σ⁻(N)). Each loss of SPEC's table is its τ, σ±, ρ± and reduction.
/// </summary>
public class LabelFormLoss : PairLoss
{
    /// <summary>A scalar function and its derivative.</summary>
    public readonly record struct Fn(Func<double, double> F, Func<double, double> D);

    private readonly string _name;
    private readonly Fn _rhoPos, _rhoNeg, _sigmaPos, _sigmaNeg, _tau;
    private readonly bool _negOverAll, _perPolarity, _logSigma;

    /// <summary>Defines a loss; <paramref name="perPolarity"/> selects proxy anchor's reduction.</summary>
    protected LabelFormLoss(string name, Fn rhoPos, Fn rhoNeg, Fn sigmaPos, Fn sigmaNeg, Fn tau,
        bool negOverAll = false, bool perPolarity = false, bool logSigma = false)
    {
        _name = name;
        _rhoPos = rhoPos; _rhoNeg = rhoNeg; _sigmaPos = sigmaPos; _sigmaNeg = sigmaNeg; _tau = tau;
        _negOverAll = negOverAll; _perPolarity = perPolarity; _logSigma = logSigma;
    }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <summary>Identity.</summary>
    protected static readonly Fn Identity = new(x => x, _ => 1);

    /// <summary>
    /// Reduction: the mean of ℓ(a) over the anchors that have at least one term; with per-polarity
    /// reduction (proxy anchor) the positive parts are averaged over the anchors with a positive and the
    /// negative parts over all anchors.
    /// </summary>
    protected override double Evaluate(PairValues v, Span<double> dLds, Span<double> dLdd)
    {
        var pairs = v.Pairs;
        int anchors = v.Anchors;
        var pos = new double[anchors];
        var neg = new double[anchors];
        var hasPos = new bool[anchors];
        var hasAny = new bool[anchors];
        for (int k = 0; k < pairs.Count; k++)
        {
            int a = pairs.Anchor[k];
            double y = pairs.Label[k], wNeg = _negOverAll ? 1 : 1 - y;
            if (y > 0) { pos[a] += y * _rhoPos.F(v.S[k]); hasPos[a] = true; }
            if (wNeg > 0) neg[a] += wNeg * _rhoNeg.F(v.S[k]);
            hasAny[a] = true;
        }
        int anchorsWithPos = hasPos.Count(b => b), anchorsWithAny = hasAny.Count(b => b);
        var dPos = new double[anchors];
        var dNeg = new double[anchors];
        double total = 0;
        for (int a = 0; a < anchors; a++)
        {
            if (!hasAny[a]) continue;
            // With log-type σ an empty sum means the term is absent (log 0 is not a loss value).
            bool usePos = hasPos[a] && (!_logSigma || pos[a] > 0), useNeg = !_logSigma || neg[a] > 0;
            double inner = (usePos ? _sigmaPos.F(pos[a]) : 0) + (useNeg ? _sigmaNeg.F(neg[a]) : 0);
            double tauD = _tau.D(inner);
            if (_perPolarity)
            {
                total += (usePos ? _sigmaPos.F(pos[a]) / Math.Max(1, anchorsWithPos) : 0) + (useNeg ? _sigmaNeg.F(neg[a]) / Math.Max(1, anchorsWithAny) : 0);
                dPos[a] = usePos ? _sigmaPos.D(pos[a]) / Math.Max(1, anchorsWithPos) : 0;
                dNeg[a] = useNeg ? _sigmaNeg.D(neg[a]) / Math.Max(1, anchorsWithAny) : 0;
            }
            else
            {
                total += _tau.F(inner) / anchorsWithAny;
                dPos[a] = usePos ? tauD * _sigmaPos.D(pos[a]) / anchorsWithAny : 0;
                dNeg[a] = useNeg ? tauD * _sigmaNeg.D(neg[a]) / anchorsWithAny : 0;
            }
        }
        for (int k = 0; k < pairs.Count; k++)
        {
            int a = pairs.Anchor[k];
            double y = pairs.Label[k], wNeg = _negOverAll ? 1 : 1 - y;
            dLds[k] = (y > 0 ? dPos[a] * y * _rhoPos.D(v.S[k]) : 0) + (wNeg > 0 ? dNeg[a] * wNeg * _rhoNeg.D(v.S[k]) : 0);
        }
        return total;
    }
}

/// <summary>Multi-similarity (Wang 2019): σ⁺ = log(1+x)/β, σ⁻ = log(1+x)/γ, ρ⁺ = e^{−β(s−m)}, ρ⁻ = e^{γ(s−m)}.</summary>
public sealed class MultiSimilarityLoss(double beta = 18, double gamma = 75, double margin = 0.77) : LabelFormLoss("multisimilarity",
    new(s => Math.Exp(-beta * (s - margin)), s => -beta * Math.Exp(-beta * (s - margin))),
    new(s => Math.Exp(gamma * (s - margin)), s => gamma * Math.Exp(gamma * (s - margin))),
    new(x => Math.Log(1 + x) / beta, x => 1 / ((1 + x) * beta)),
    new(x => Math.Log(1 + x) / gamma, x => 1 / ((1 + x) * gamma)),
    Identity);

/// <summary>Binomial deviance (Yi 2014): ρ⁺ = log(1+e^{−β(s−m)}), ρ⁻ = log(1+e^{γ(s−m)}), sums averaged per anchor.</summary>
public sealed class BinomialDevianceLoss(double beta = 2, double gamma = 50, double margin = 0.5) : LabelFormLoss("binomial",
    new(s => Softplus(-beta * (s - margin)), s => -beta * Sigmoid(-beta * (s - margin))),
    new(s => Softplus(gamma * (s - margin)), s => gamma * Sigmoid(gamma * (s - margin))),
    Identity, Identity, Identity)
{
    private static double Softplus(double x) => x > 30 ? x : Math.Log(1 + Math.Exp(x));
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}

/// <summary>Lifted structure (Hermans 2017 form): τ = [x]₊, σ± = log, ρ⁺ = e^{−s}, ρ⁻ = e^{s−m}.</summary>
public sealed class LiftedStructureLoss(double margin = 1) : LabelFormLoss("lifted",
    new(s => Math.Exp(-s), s => -Math.Exp(-s)),
    new(s => Math.Exp(s - margin), s => Math.Exp(s - margin)),
    new(Math.Log, x => 1 / x), new(Math.Log, x => 1 / x),
    new(x => Math.Max(x, 0), x => x > 0 ? 1 : 0), logSigma: true);

/// <summary>NCA (Goldberger 2005): −log Σ_pos e^{s/T} + log Σ_all e^{s/T} (T = 1 unless given).</summary>
public class NcaLoss(string name = "nca", double temperature = 1) : LabelFormLoss(name,
    new(s => Math.Exp(s / temperature), s => Math.Exp(s / temperature) / temperature),
    new(s => Math.Exp(s / temperature), s => Math.Exp(s / temperature) / temperature),
    new(x => -Math.Log(x), x => -1 / x), new(Math.Log, x => 1 / x), Identity, negOverAll: true, logSigma: true);

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
