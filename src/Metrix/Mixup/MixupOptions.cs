namespace Metrix.Mixup;

/// <summary>Mixup settings, named after their flags; <see cref="MinerEpsilon"/> is <c>--miner_epsilon</c> (null: no mining).</summary>
public sealed record MixupOptions(
    MixMode Mode = MixMode.Feature,
    IReadOnlyList<PairSet>? Pairs = null,
    double Alpha = 2.0,
    double MixWeight = 0.4,
    int HardNegatives = 3,
    double? MinerEpsilon = null)
{
    /// <summary>The pair sets one is drawn from per iteration (default pos-neg and anc-neg).</summary>
    public IReadOnlyList<PairSet> PairSets => Pairs is { Count: > 0 } p ? p : [PairSet.PosNeg, PairSet.AncNeg];
}
