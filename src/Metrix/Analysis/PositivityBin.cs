namespace Metrix.Analysis;

/// <summary>
/// Positivity of mixed embeddings whose soft label (interpolation factor from the anchor's side) falls in
/// [<see cref="From"/>, <see cref="To"/>): the fraction measured from the gradients and, for multi-similarity,
/// the one predicted from the similarities (paper eq. 25).
/// </summary>
public sealed record PositivityBin(double From, double To, int Pairs, double? Measured, double? Theory);
