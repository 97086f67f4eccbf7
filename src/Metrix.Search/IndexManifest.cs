using System.Text.Json;
using System.Text.Json.Serialization;
using Metrix.Tensors;

namespace Metrix.Search;

/// <summary>
/// <c>manifest.json</c> of an index directory: what the index holds and which data files make up its current
/// generation. Replacing this one file (temporary file and rename) is what commits a build or an add.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="Generation">Counts commits; names the data files.</param>
/// <param name="Count">Images in the index.</param>
/// <param name="Dim">Embedding width.</param>
/// <param name="Checkpoint">The checkpoint that embedded every image.</param>
/// <param name="Preprocessing">How images become network inputs.</param>
/// <param name="Graph">The HNSW graph's settings.</param>
/// <param name="Files">The current generation's data files.</param>
/// <param name="Updated">UTC time of the commit.</param>
/// <param name="Search">The default search and why (absent in indexes written before it existed: graph search).</param>
public sealed record IndexManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("generation")] long Generation,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("dim")] int Dim,
    [property: JsonPropertyName("checkpoint")] CheckpointIdentity Checkpoint,
    [property: JsonPropertyName("preprocessing")] IndexPreprocessing Preprocessing,
    [property: JsonPropertyName("graph")] GraphOptions Graph,
    [property: JsonPropertyName("files")] IndexFiles Files,
    [property: JsonPropertyName("updated")] DateTime Updated,
    [property: JsonPropertyName("search")] SearchPlan? Search = null)
{
    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "metrix-index-1";

    /// <summary>The manifest's file name inside an index directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Largest manifest read.</summary>
    private const long MaxBytes = 1 << 20;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Reads <c>DIR/manifest.json</c>; a missing, oversized or malformed file is named in the error.</summary>
    public static IndexManifest Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such index directory");
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: missing; {directory} is not a Metrix index (or it is damaged)");
        var info = new FileInfo(path);
        if (info.Length > MaxBytes) throw new InvalidDataException($"{path}: {info.Length} bytes, larger than a manifest can be");
        IndexManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<IndexManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid index manifest ({e.Message})");
        }
        if (manifest is null || manifest.Format != FormatName)
            throw new InvalidDataException($"{path}: format '{manifest?.Format}', expected '{FormatName}'");
        if (manifest.Count < 0 || manifest.Dim < 1 || manifest.Files is null || manifest.Checkpoint is null || manifest.Graph is null || manifest.Preprocessing is null)
            throw new InvalidDataException($"{path}: incomplete index manifest");
        if (manifest.Search is { Method: not (SearchPlan.GraphMethod or SearchPlan.ExactMethod) } plan)
            throw new InvalidDataException($"{path}: search method '{plan.Method}', expected '{SearchPlan.GraphMethod}' or '{SearchPlan.ExactMethod}'");
        foreach (var file in manifest.Files.All())
            if (file != Path.GetFileName(file)) throw new InvalidDataException($"{path}: data file '{file}' must lie in the index directory");
        return manifest;
    }

    /// <summary>Replaces <c>DIR/manifest.json</c> atomically.</summary>
    public void Write(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));
}
