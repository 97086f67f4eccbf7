namespace Metrix.Losses;

/// <summary>Multi-similarity (Wang 2019): σ⁺ = log(1+x)/β, σ⁻ = log(1+x)/γ, ρ⁺ = e^{−β(s−m)}, ρ⁻ = e^{γ(s−m)}.</summary>
public sealed class MultiSimilarityLoss(double beta = 18, double gamma = 75, double margin = 0.77) : LabelFormLoss("multisimilarity",
    new(s => Math.Exp(-beta * (s - margin)), s => -beta * Math.Exp(-beta * (s - margin))),
    new(s => Math.Exp(gamma * (s - margin)), s => gamma * Math.Exp(gamma * (s - margin))),
    new(x => Math.Log(1 + x) / beta, x => 1 / ((1 + x) * beta)),
    new(x => Math.Log(1 + x) / gamma, x => 1 / ((1 + x) * gamma)),
    Identity);
