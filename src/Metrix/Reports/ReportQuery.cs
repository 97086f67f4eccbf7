namespace Metrix.Reports;

/// <summary>A sample query of a <see cref="RetrievalReport"/>: its index in the query set, its label and its nearest neighbours, nearest first.</summary>
public sealed record ReportQuery(int Index, int Label, IReadOnlyList<ReportNeighbour> Neighbours);
