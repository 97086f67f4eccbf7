namespace Metrix.Analysis;

/// <summary>
/// Positivity (paper §3.6, appendix A.2): a mixed embedding v is "positive" for anchor a when minimising the
/// loss increases s(a, v), i.e. ∂ℓ̃/∂s(a, v) &lt; 0. Measured per pair from the gradients recorded in training
/// and reported per bin of the soft label y. For multi-similarity with a single mixed embedding of label y,
/// ℓ = (1/β)·log(1 + y·e^{−β(s−m)}) + (1/γ)·log(1 + (1−y)·e^{γ(s−m)}), whose derivative is negative exactly
/// when y·e^{−β(s−m)} &gt; (1−y)·e^{γ(s−m)}, i.e. s &lt; m + logit(y)/(β+γ); so the predicted probability is the
/// CDF of the similarities of pairs with that label at this threshold.
/// </summary>
public static class Positivity
{
    /// <summary>Multi-similarity's similarity threshold below which a mixed embedding of label <paramref name="y"/> is positive.</summary>
    public static double MultiSimilarityThreshold(double y, double beta = 18, double gamma = 75, double margin = 0.77) =>
        margin + Math.Log(y / (1 - y)) / (beta + gamma);

    /// <summary>
    /// Bins of the labels <paramref name="labels"/> (0 &lt; y &lt; 1) with the fraction of pairs whose
    /// gradient is negative, and with <paramref name="multiSimilarity"/> the fraction predicted from the
    /// similarities.
    /// </summary>
    public static IReadOnlyList<PositivityBin> Compute(ReadOnlySpan<float> labels, ReadOnlySpan<float> gradients, ReadOnlySpan<float> similarities,
        bool multiSimilarity, int bins = 10)
    {
        if (gradients.Length != labels.Length || (!similarities.IsEmpty && similarities.Length != labels.Length))
            throw new ArgumentException($"positivity needs one gradient and similarity per label; got {labels.Length} labels, {gradients.Length} gradients, {similarities.Length} similarities");
        var count = new int[bins];
        var positive = new int[bins];
        var predicted = new int[bins];
        for (int k = 0; k < labels.Length; k++)
        {
            double y = labels[k];
            if (y <= 0 || y >= 1) continue;
            int b = Math.Min(bins - 1, (int)(y * bins));
            count[b]++;
            if (gradients[k] < 0) positive[b]++;
            if (multiSimilarity && !similarities.IsEmpty && similarities[k] < MultiSimilarityThreshold(y)) predicted[b]++;
        }
        var result = new List<PositivityBin>(bins);
        for (int b = 0; b < bins; b++)
            result.Add(new PositivityBin((double)b / bins, (double)(b + 1) / bins, count[b],
                count[b] > 0 ? (double)positive[b] / count[b] : null,
                multiSimilarity && !similarities.IsEmpty && count[b] > 0 ? (double)predicted[b] / count[b] : null));
        return result;
    }
}
