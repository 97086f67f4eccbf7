namespace Metrix.Losses;

/// <summary>
/// Contrastive loss with the release's semantics (docs/method.md#contrastive): per pair y·[d − m⁺]₊ and (1 −
/// y)·[m⁻ − d]₊ on distances; the positive terms are averaged over those that are non-zero, so are the negative
/// terms, and the two means are added (a polarity with no non-zero term adds 0).
/// </summary>
public sealed class ContrastiveLoss(double posMargin = 0, double negMargin = 0.5) : PairLoss
{
    /// <inheritdoc/>
    public override string Name => "contrastive";

    /// <inheritdoc/>
    protected override double Evaluate(PairValues v, Span<double> dLds, Span<double> dLdd)
    {
        var label = v.Pairs.Label;
        double posSum = 0, negSum = 0;
        int posCount = 0, negCount = 0;
        for (int k = 0; k < label.Length; k++)
        {
            if (!v.Pairs.Kept(k)) continue;
            double pos = label[k] * Math.Max(v.D[k] - posMargin, 0), neg = (1 - label[k]) * Math.Max(negMargin - v.D[k], 0);
            if (pos > 0) { posSum += pos; posCount++; }
            if (neg > 0) { negSum += neg; negCount++; }
        }
        for (int k = 0; k < label.Length; k++)
        {
            if (!v.Pairs.Kept(k)) continue;
            double g = 0;
            if (label[k] > 0 && v.D[k] - posMargin > 0) g += label[k] / posCount;
            if (label[k] < 1 && negMargin - v.D[k] > 0) g -= (1 - label[k]) / negCount;
            dLdd[k] = g;
        }
        return (posCount > 0 ? posSum / posCount : 0) + (negCount > 0 ? negSum / negCount : 0);
    }
}
