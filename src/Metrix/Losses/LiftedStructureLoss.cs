namespace Metrix.Losses;

/// <summary>Lifted structure (Hermans 2017 form): τ = [x]₊, σ± = log, ρ⁺ = e^{−s}, ρ⁻ = e^{s−m}.</summary>
public sealed class LiftedStructureLoss(double margin = 1) : LabelFormLoss("lifted",
    new(s => Math.Exp(-s), s => -Math.Exp(-s)),
    new(s => Math.Exp(s - margin), s => Math.Exp(s - margin)),
    new(Math.Log, x => 1 / x), new(Math.Log, x => 1 / x),
    new(x => Math.Max(x, 0), x => x > 0 ? 1 : 0), logSigma: true);
