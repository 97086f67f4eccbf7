namespace Metrix.Evaluation;

/// <summary>Block sizes of <see cref="Knn"/>: working memory per thread is about
/// QueryBlock × (GalleryBlock × 4 + max(2k, k + 64) × 8) bytes, whatever the number of queries.</summary>
public sealed record KnnOptions
{
    /// <summary>Queries per block (one block per task; capped so that every thread gets work).</summary>
    public int QueryBlock { get; init; } = 256;

    /// <summary>Gallery items per similarity block (one GEMM each).</summary>
    public int GalleryBlock { get; init; } = 1024;

    /// <summary>The defaults.</summary>
    public static KnnOptions Default { get; } = new();
}
