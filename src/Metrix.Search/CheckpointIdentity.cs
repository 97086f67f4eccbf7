using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Metrix.Search;

/// <summary>Which checkpoint embedded an index: its path when the index was built, the SHA-256 of the file and its safetensors metadata.</summary>
/// <param name="Path">Absolute path of the checkpoint file at build time.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
/// <param name="Metadata">The checkpoint's metadata (model, embedding size, image size, …).</param>
public sealed record CheckpointIdentity(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Largest safetensors header read for the metadata.</summary>
    private const long MaxHeader = 64L << 20;

    /// <summary>The identity of the checkpoint file at <paramref name="path"/>.</summary>
    public static CheckpointIdentity Of(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        string sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        stream.Position = 0;
        var lengthBytes = new byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8) throw new InvalidDataException($"{path}: not a safetensors checkpoint (shorter than 8 bytes)");
        long length = BitConverter.ToInt64(lengthBytes);
        if (length <= 0 || length > MaxHeader || length > stream.Length - 8) throw new InvalidDataException($"{path}: not a safetensors checkpoint (header length {length})");
        var header = new byte[length];
        stream.ReadExactly(header);
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using (var json = JsonDocument.Parse(header))
        {
            if (json.RootElement.TryGetProperty("__metadata__", out var meta) && meta.ValueKind == JsonValueKind.Object)
                foreach (var p in meta.EnumerateObject())
                    metadata[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        }
        return new CheckpointIdentity(full, sha, metadata);
    }

    /// <summary>A short description: file name and the first 12 hex digits of the hash.</summary>
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)} (sha256 {Sha256[..Math.Min(12, Sha256.Length)]})";

    /// <summary>Same file contents (hash), wherever it lies.</summary>
    public bool SameFile(CheckpointIdentity other) => string.Equals(Sha256, other.Sha256, StringComparison.Ordinal);

    internal static string Describe(IReadOnlyDictionary<string, string> metadata, params string[] keys)
    {
        var text = new StringBuilder();
        foreach (var key in keys)
            if (metadata.TryGetValue(key, out var v)) text.Append(text.Length > 0 ? ", " : "").Append(key).Append(' ').Append(v);
        return text.ToString();
    }
}
