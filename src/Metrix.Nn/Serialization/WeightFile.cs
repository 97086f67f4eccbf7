using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// Named float32 tensors read from a weights file (a PyTorch state dict or a safetensors file), in the
/// file's order.
/// </summary>
/// <param name="Source">The path (or stream name) the tensors came from.</param>
/// <param name="Format">The file's format.</param>
/// <param name="Tensors">Every tensor by name, contiguous float32.</param>
/// <param name="SourceDtypes">For tensors stored in another dtype (<c>int64</c> for <c>num_batches_tracked</c>, <c>float16</c>, …), that dtype by name; float32 tensors are absent.</param>
/// <param name="Metadata">The safetensors metadata block (empty for PyTorch files).</param>
public sealed record WeightFile(
    string Source,
    WeightFormat Format,
    IReadOnlyDictionary<string, Tensor> Tensors,
    IReadOnlyDictionary<string, string> SourceDtypes,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>
    /// Reads a PyTorch <c>.pth</c>/<c>.pt</c> state dict (any <c>torch.save</c> format: zip, legacy or 0.1 tar) or a safetensors file,
    /// recognised by content rather than by extension.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is neither format, is damaged, or is not a state dict.</exception>
    public static WeightFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads from a seekable stream; <paramref name="name"/> is used in error messages.</summary>
    public static WeightFile Read(Stream stream, string name)
    {
        if (LooksLikeSafeTensors(stream))
        {
            stream.Position = 0;
            TensorFile file;
            try { file = SafeTensors.Read(stream, name); }
            catch (Exception e) when (e is System.Text.Json.JsonException or EndOfStreamException or FormatException)
            {
                throw new InvalidDataException($"{name}: not a valid safetensors file: {e.Message}", e);
            }
            return new WeightFile(name, WeightFormat.SafeTensors, file.Tensors, new Dictionary<string, string>(), file.Metadata);
        }
        if (PthReader.IsPth(stream)) return PthReader.Read(stream, name);
        throw new InvalidDataException($"{name}: not a weights file: expected a PyTorch state dict saved by torch.save (.pth/.pt: zip, legacy or tar format) or a safetensors file");
    }

    /// <summary>safetensors: an 8-byte little-endian header length, then a JSON object.</summary>
    private static bool LooksLikeSafeTensors(Stream stream)
    {
        Span<byte> head = stackalloc byte[9];
        stream.Position = 0;
        return stream.ReadAtLeast(head, 9, throwOnEndOfStream: false) == 9 && head[8] == (byte)'{';
    }
}
