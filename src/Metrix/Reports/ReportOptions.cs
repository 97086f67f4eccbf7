namespace Metrix.Reports;

/// <summary>What a <see cref="RetrievalReport"/> shows: how many sample queries, how many neighbours each, the seed of the sample and the thumbnail size.</summary>
public sealed record ReportOptions
{
    /// <summary>Sample queries shown with their neighbours (fewer when the set is smaller).</summary>
    public int Queries { get; init; } = 12;

    /// <summary>Neighbours shown per sample query (fewer when the gallery is smaller).</summary>
    public int K { get; init; } = 8;

    /// <summary>Seed of the choice of sample queries: the same seed picks the same queries.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Longest side of a thumbnail in pixels.</summary>
    public int ThumbnailSize { get; init; } = 72;

    /// <summary>Classes listed as the worst (lowest per-class Recall@1).</summary>
    public int WorstClasses { get; init; } = 10;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Queries < 1) throw new ArgumentException($"report: sample queries must be at least 1; got {Queries}");
        if (K < 1) throw new ArgumentException($"report: neighbours per query must be at least 1; got {K}");
        if (ThumbnailSize is < 8 or > 512) throw new ArgumentException($"report: thumbnail size must be 8-512 pixels; got {ThumbnailSize}");
        if (WorstClasses < 0) throw new ArgumentException($"report: worst classes must be 0 or more; got {WorstClasses}");
    }
}
