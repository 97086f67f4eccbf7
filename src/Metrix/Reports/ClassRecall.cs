namespace Metrix.Reports;

/// <summary>
/// Recall@1 of the queries of one class (a fraction in [0, 1]), with the class most often retrieved first in its
/// place (null when every query of the class is right).
/// </summary>
public sealed record ClassRecall(int Label, string Name, int Queries, double RecallAt1, int? ConfusedWith, string? ConfusedName);
