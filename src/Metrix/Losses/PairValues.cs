namespace Metrix.Losses;

/// <summary>Per-pair similarities and distances handed to a loss.</summary>
public readonly record struct PairValues(Pairs Pairs, double[] S, double[] D, int Anchors, int Candidates);
