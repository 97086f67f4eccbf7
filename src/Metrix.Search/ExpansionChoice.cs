using System.Text.Json.Serialization;

namespace Metrix.Search;

/// <summary>The outcome of <see cref="ExpansionCalibration.Calibrate"/>.</summary>
/// <param name="Expansion">The ef chosen: the first whose recall's lower bound reached the target, else the largest tried.</param>
/// <param name="Recall">Recall@k of the sample at <paramref name="Expansion"/>.</param>
/// <param name="LowerBound">Its one-sided 95 % lower bound (<see cref="ExpansionCalibration.LowerBound"/>).</param>
/// <param name="Reached">Whether the lower bound reached the target.</param>
/// <param name="Samples">Held-out rows searched for.</param>
/// <param name="Tried">Every ef tried, in order.</param>
public sealed record ExpansionChoice(int Expansion, double Recall, double LowerBound, bool Reached, int Samples, IReadOnlyList<CalibrationPoint> Tried);

/// <summary>One ef tried by <see cref="ExpansionCalibration.Calibrate"/>.</summary>
/// <param name="Expansion">The ef.</param>
/// <param name="Recall">Recall@k of the held-out rows.</param>
/// <param name="LowerBound">Its one-sided 95 % lower bound.</param>
public sealed record CalibrationPoint(
    [property: JsonPropertyName("expansion_search")] int Expansion,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("lower_bound")] double LowerBound);
