namespace Metrix.Losses;

/// <summary>
/// The generic label-form loss (docs/method.md#similarity-and-the-labelled-loss): per anchor a, with P = Σ
/// y·ρ⁺(s) and N = Σ w⁻·ρ⁻(s) over its pairs (w⁻ = 1 − y, or 1 for the NCA family whose denominators run over
/// every candidate), ℓ(a) = τ(σ⁺(P) + σ⁻(N)). Each loss of the table (docs/method.md#the-loss-table) is its τ,
/// σ±, ρ± and reduction.
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
            hasAny[a] = true;
            if (!pairs.Kept(k)) continue;
            double y = pairs.Label[k], wNeg = _negOverAll ? 1 : 1 - y;
            if (y > 0) { pos[a] += y * _rhoPos.F(v.S[k]); hasPos[a] = true; }
            if (wNeg > 0) neg[a] += wNeg * _rhoNeg.F(v.S[k]);
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
            if (!pairs.Kept(k)) continue;
            int a = pairs.Anchor[k];
            double y = pairs.Label[k], wNeg = _negOverAll ? 1 : 1 - y;
            dLds[k] = (y > 0 ? dPos[a] * y * _rhoPos.D(v.S[k]) : 0) + (wNeg > 0 ? dNeg[a] * wNeg * _rhoNeg.D(v.S[k]) : 0);
        }
        return total;
    }
}
