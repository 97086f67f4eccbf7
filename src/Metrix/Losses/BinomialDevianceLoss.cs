namespace Metrix.Losses;

/// <summary>Binomial deviance (Yi 2014): ρ⁺ = log(1+e^{−β(s−m)}), ρ⁻ = log(1+e^{γ(s−m)}), sums averaged per anchor.</summary>
public sealed class BinomialDevianceLoss(double beta = 2, double gamma = 50, double margin = 0.5) : LabelFormLoss("binomial",
    new(s => Softplus(-beta * (s - margin)), s => -beta * Sigmoid(-beta * (s - margin))),
    new(s => Softplus(gamma * (s - margin)), s => gamma * Sigmoid(gamma * (s - margin))),
    Identity, Identity, Identity)
{
    private static double Softplus(double x) => x > 30 ? x : Math.Log(1 + Math.Exp(x));
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
