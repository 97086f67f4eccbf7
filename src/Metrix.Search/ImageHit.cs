namespace Metrix.Search;

/// <summary>A neighbour found by <see cref="ImageIndex.Search"/>: the gallery item and its cosine similarity to the query.</summary>
/// <param name="Item">The gallery item.</param>
/// <param name="Similarity">Cosine similarity of the embeddings.</param>
public sealed record ImageHit(IndexItem Item, float Similarity);
