namespace Metrix.Search;

/// <summary>The outcome of <see cref="ExpansionCalibration.Calibrate"/>.</summary>
/// <param name="Expansion">The ef chosen: the first that reached the target, else the largest tried.</param>
/// <param name="Recall">Recall@k of the sample at <paramref name="Expansion"/>.</param>
/// <param name="Reached">Whether the target was reached.</param>
/// <param name="Samples">Held-out rows searched for.</param>
/// <param name="Tried">Every ef tried with its recall, in order.</param>
public sealed record ExpansionChoice(int Expansion, double Recall, bool Reached, int Samples, IReadOnlyList<(int Expansion, double Recall)> Tried);
