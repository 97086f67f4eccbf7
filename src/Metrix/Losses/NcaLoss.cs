namespace Metrix.Losses;

/// <summary>NCA (Goldberger 2005): −log Σ_pos e^{s/T} + log Σ_all e^{s/T} (T = 1 unless given).</summary>
public class NcaLoss(string name = "nca", double temperature = 1) : LabelFormLoss(name,
    new(s => Math.Exp(s / temperature), s => Math.Exp(s / temperature) / temperature),
    new(s => Math.Exp(s / temperature), s => Math.Exp(s / temperature) / temperature),
    new(x => -Math.Log(x), x => -1 / x), new(Math.Log, x => 1 / x), Identity, negOverAll: true, logSigma: true);
