namespace Metrix.Reports;

/// <summary>What a <see cref="RetrievalReport"/> shows: how many sample queries, how many neighbours each, the seed of the sample and the thumbnail size.</summary>
public sealed record ReportOptions
{
    /// <summary>Most sample queries a page holds (each adds K + 1 inlined thumbnails).</summary>
    public const int MaxQueries = 500;

    /// <summary>Most neighbours shown per sample query.</summary>
    public const int MaxK = 50;

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
        if (Queries is < 1 or > MaxQueries) throw new ArgumentException($"report: sample queries must be 1-{MaxQueries}; got {Queries}");
        if (K is < 1 or > MaxK) throw new ArgumentException($"report: neighbours per query must be 1-{MaxK}; got {K}");
        if (ThumbnailSize is < 8 or > 512) throw new ArgumentException($"report: thumbnail size must be 8-512 pixels; got {ThumbnailSize}");
        if (WorstClasses < 0) throw new ArgumentException($"report: worst classes must be 0 or more; got {WorstClasses}");
    }
}
