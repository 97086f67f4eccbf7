namespace Metrix.Evaluation;

/// <summary>
/// The k nearest gallery items of every query, best first: row q of <see cref="Indices"/> and
/// <see cref="Similarities"/> (each [QueryCount × K], row-major) lists gallery indices by decreasing cosine
/// similarity, equal similarities by increasing index.
/// </summary>
public sealed class Neighbours(int queryCount, int k, int[] indices, float[] similarities)
{
    /// <summary>Number of queries.</summary>
    public int QueryCount { get; } = queryCount;

    /// <summary>Neighbours per query.</summary>
    public int K { get; } = k;

    /// <summary>Gallery indices, [QueryCount × K].</summary>
    public int[] Indices { get; } = indices;

    /// <summary>Similarities, [QueryCount × K].</summary>
    public float[] Similarities { get; } = similarities;

    /// <summary>The neighbours of query <paramref name="query"/>, best first.</summary>
    public ReadOnlySpan<int> IndicesOf(int query) => Indices.AsSpan(query * K, K);

    /// <summary>The similarities of query <paramref name="query"/>'s neighbours, best first.</summary>
    public ReadOnlySpan<float> SimilaritiesOf(int query) => Similarities.AsSpan(query * K, K);
}
