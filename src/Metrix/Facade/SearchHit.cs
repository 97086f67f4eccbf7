namespace Metrix;

/// <summary>One neighbour found by <see cref="EmbeddingIndex.Search(ReadOnlySpan{float}, int)"/>: its row in the index and its cosine similarity to the query.</summary>
/// <param name="Index">The row of the index (the position of the vector it was built from).</param>
/// <param name="Similarity">The cosine similarity, in [−1, 1]; 1 for the same direction.</param>
public readonly record struct SearchHit(int Index, float Similarity);
