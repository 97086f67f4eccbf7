using Metrix.Analysis;

namespace Metrix.Tests;

public sealed class PositivityTests
{
    [Fact]
    public void MeasuredPositivityIsTheShareOfNegativeGradientsPerLabelBin()
    {
        // Labels 0.15 (bin 1) ×2 and 0.85 (bin 8) ×3; gradients negative = positive.
        float[] labels = [0.15f, 0.15f, 0.85f, 0.85f, 0.85f, 0f, 1f];
        float[] gradients = [0.3f, -0.1f, -0.2f, -0.5f, 0.4f, -1f, -1f];
        var bins = Positivity.Compute(labels, gradients, default, multiSimilarity: false);
        Assert.Equal(10, bins.Count);
        Assert.Equal(2, bins[1].Pairs);
        Assert.Equal(0.5, bins[1].Measured);
        Assert.Equal(3, bins[8].Pairs);
        Assert.Equal(2.0 / 3, bins[8].Measured!.Value, 12);
        Assert.Null(bins[0].Measured); // clean labels 0 and 1 are not mixtures
        Assert.All(bins, b => Assert.Null(b.Theory));
    }

    [Fact]
    public void MultiSimilarityThresholdIsWhereTheMixedTermsBalance()
    {
        // At y = 1/2 the threshold is the margin; the derivative of the single-embedding MS loss changes sign there.
        Assert.Equal(0.77, Positivity.MultiSimilarityThreshold(0.5), 12);
        double y = 0.8, s = Positivity.MultiSimilarityThreshold(y);
        double Derivative(double sim) =>
            -y * Math.Exp(-18 * (sim - 0.77)) / (1 + y * Math.Exp(-18 * (sim - 0.77)))
            + (1 - y) * Math.Exp(75 * (sim - 0.77)) / (1 + (1 - y) * Math.Exp(75 * (sim - 0.77)));
        Assert.True(Derivative(s - 1e-3) < 0);
        Assert.True(Derivative(s + 1e-3) > 0);
        Assert.Equal(0, Derivative(s), 9);
    }

    [Fact]
    public void TheoryCountsSimilaritiesBelowTheThreshold()
    {
        float[] labels = [0.55f, 0.55f, 0.55f, 0.55f];
        float[] similarities = [0.5f, 0.7f, 0.772f, 0.9f]; // threshold at y 0.55: 0.77 + logit(0.55)/93 ≈ 0.7722
        var bins = Positivity.Compute(labels, [-1f, -1f, 1f, 1f], similarities, multiSimilarity: true);
        Assert.Equal(0.75, bins[5].Theory);
        Assert.Equal(0.5, bins[5].Measured);
    }
}
