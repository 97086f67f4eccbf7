using System.Text.Json.Serialization;

namespace Metrix.Search;

/// <summary>The data files of one generation of an index, relative to its directory.</summary>
/// <param name="Embeddings">float32 .npy [count × dim].</param>
/// <param name="Items">JSON lines, one <see cref="IndexItem"/> per row.</param>
/// <param name="Graph">USearch HNSW graph.</param>
public sealed record IndexFiles(
    [property: JsonPropertyName("embeddings")] string Embeddings,
    [property: JsonPropertyName("items")] string Items,
    [property: JsonPropertyName("graph")] string Graph)
{
    /// <summary>The file names of generation <paramref name="generation"/>.</summary>
    public static IndexFiles For(long generation) =>
        new($"embeddings.{generation}.npy", $"items.{generation}.jsonl", $"graph.{generation}.usearch");

    /// <summary>The three names.</summary>
    public IEnumerable<string> All() => [Embeddings, Items, Graph];
}
