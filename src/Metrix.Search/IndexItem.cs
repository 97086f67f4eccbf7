using System.Text.Json.Serialization;

namespace Metrix.Search;

/// <summary>One image of an index: its id (row of the embeddings and key in the graph), file path and class label (−1: none).</summary>
/// <param name="Id">Row of the embeddings and key in the graph.</param>
/// <param name="Path">Absolute path of the image file.</param>
/// <param name="Label">Class label, −1 for an unlabelled image.</param>
public sealed record IndexItem(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("label")] int Label);
