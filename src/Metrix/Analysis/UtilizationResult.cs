namespace Metrix.Analysis;

/// <summary>Utilization with respect to the clean training embeddings, and to clean plus mixed ones when there were any.</summary>
public sealed record UtilizationResult(double Clean, double? Mixed);
