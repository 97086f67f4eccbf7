namespace Metrix.Reports;

/// <summary>One retrieved gallery item of a sample query: its index in the gallery, label, cosine similarity and whether its class is the query's.</summary>
public sealed record ReportNeighbour(int Index, int Label, float Similarity, bool Correct);
