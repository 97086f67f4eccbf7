using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Metrix.Tensors;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// mapping each name to its dtype, shape and byte range (plus an optional <c>__metadata__</c> map of
/// strings), then the raw little-endian data.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100L << 20;

    /// <summary>Reads every tensor of a file as float32 (F16, BF16, F64 and integer types are converted).</summary>
    public static TensorFile Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, path);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException(e.Message.StartsWith(path, StringComparison.Ordinal)
                ? e.Message : $"{path}: not a valid safetensors file: {e.Message}", e);
        }
    }

    /// <summary>Reads a safetensors stream; <paramref name="name"/> is used in error messages.</summary>
    public static TensorFile Read(Stream stream, string name)
    {
        try
        {
            return ReadUnchecked(stream, name);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            // A header value of the wrong JSON kind ("shape": "x", an offset of 1e30, a missing offset) surfaces
            // as a runtime exception of System.Text.Json; the user sees which file and that its header is wrong.
            string what = e switch
            {
                InvalidOperationException => "a header value has the wrong JSON type (e.g. a string where a number belongs)",
                FormatException or OverflowException => "a header number is out of range",
                _ => "a header entry is malformed",
            };
            throw new InvalidDataException($"{name}: not a valid safetensors file: {what}", e);
        }
    }

    private static TensorFile ReadUnchecked(Stream stream, string name)
    {
        long length = stream.Length;
        Span<byte> head = stackalloc byte[8];
        stream.ReadExactly(head);
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (length < 8) throw new InvalidDataException($"{name}: {length} bytes, shorter than the 8-byte header length");
        if (headerLen > (ulong)Math.Min(length - 8, MaxHeaderBytes))
            throw new InvalidDataException($"{name}: header length {headerLen} exceeds the file size {length}");
        var headerBytes = new byte[headerLen];
        stream.ReadExactly(headerBytes);
        var header = JsonNode.Parse(headerBytes) as JsonObject ?? throw new InvalidDataException($"{name}: header is not a JSON object");
        long dataStart = 8 + (long)headerLen, dataLength = length - dataStart;
        var metadata = new Dictionary<string, string>();
        var tensors = new Dictionary<string, Tensor>();
        var entries = new List<(string Name, string Dtype, int[] Shape, long Begin, long End)>();
        foreach (var (key, value) in header)
        {
            if (key == "__metadata__")
            {
                foreach (var (mk, mv) in value as JsonObject ?? throw new InvalidDataException($"{name}: __metadata__ is not an object of strings"))
                    metadata[mk] = mv is JsonValue v && v.TryGetValue<string>(out var text) ? text
                        : throw new InvalidDataException($"{name}: __metadata__ '{mk}' is not a string");
                continue;
            }
            var o = value as JsonObject ?? throw new InvalidDataException($"{name}: entry '{key}' is not an object");
            string dtype = (o["dtype"] is JsonValue dv && dv.TryGetValue<string>(out var dts) ? dts : null) ?? throw new InvalidDataException($"{name}: '{key}' has no dtype");
            var shape = (o["shape"] as JsonArray ?? throw new InvalidDataException($"{name}: '{key}' has no shape"))
                .Select(d => d is JsonValue v && v.TryGetValue<int>(out int n) ? n : throw new InvalidDataException($"{name}: '{key}' has a shape entry that is not an integer")).ToArray();
            var offs = o["data_offsets"] as JsonArray is { Count: 2 } pair ? pair : throw new InvalidDataException($"{name}: '{key}' has no data_offsets pair");
            long begin = offs[0] is JsonValue b && b.TryGetValue<long>(out long bv) ? bv : throw new InvalidDataException($"{name}: '{key}' has a data offset that is not an integer");
            long end = offs[1] is JsonValue e && e.TryGetValue<long>(out long ev) ? ev : throw new InvalidDataException($"{name}: '{key}' has a data offset that is not an integer");
            if (shape.Any(d => d < 0)) throw new InvalidDataException($"{name}: '{key}' has a negative dimension in {Shapes.Format(shape)}");
            long count = 1;
            foreach (int d in shape) count = count > (dataLength + 1) / Math.Max(d, 1) ? dataLength + 1 : count * d; // capped: more elements than data bytes is wrong anyway
            long expected = count * DtypeSize(dtype, name, key);
            if (begin < 0 || end < begin || end > dataLength || end - begin != expected)
                throw new InvalidDataException($"{name}: '{key}' byte range [{begin}, {end}) is invalid for {dtype} {Shapes.Format(shape)} in {dataLength} data bytes");
            entries.Add((key, dtype, shape, begin, end));
        }
        var buffer = Array.Empty<byte>();
        foreach (var (key, dtype, shape, begin, end) in entries.OrderBy(e => e.Begin))
        {
            int bytes = checked((int)(end - begin));
            if (buffer.Length < bytes) buffer = new byte[bytes];
            stream.Position = dataStart + begin;
            stream.ReadExactly(buffer, 0, bytes);
            var t = TensorScope.Outside(() => Tensor.Persistent(shape));
            Convert(buffer.AsSpan(0, bytes), dtype, t.Span);
            t.Name = key;
            tensors[key] = t;
        }
        // Keep the file's order of names.
        var ordered = entries.ToDictionary(e => e.Name, e => tensors[e.Name]);
        return new TensorFile(ordered, metadata);
    }

    /// <summary>
    /// Writes float32 tensors and metadata, atomically: to a temporary file in the same directory that
    /// is then renamed over <paramref name="path"/>.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var (k, v) in metadata) m[k] = v;
            header["__metadata__"] = m;
        }
        long offset = 0;
        foreach (var (key, t) in list)
        {
            long bytes = (long)t.Size * sizeof(float);
            header[key] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.ShapeArray().Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // align the data to 8 bytes, as the reference writer does
        var headerBytes = new byte[json.Length + pad];
        json.CopyTo(headerBytes, 0);
        headerBytes.AsSpan(json.Length).Fill((byte)' ');
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerBytes.Length);
            stream.Write(len);
            stream.Write(headerBytes);
            foreach (var (_, t) in list)
            {
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
                stream.Write(MemoryMarshal.AsBytes(t.Span));
            }
        });
    }

    private static int DtypeSize(string dtype, string file, string key) => dtype switch
    {
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "F64" or "I64" or "U64" => 8,
        "U8" or "I8" or "BOOL" => 1,
        _ => throw new InvalidDataException($"{file}: '{key}' has unsupported dtype {dtype}"),
    };

    private static void Convert(ReadOnlySpan<byte> src, string dtype, Span<float> dst)
    {
        switch (dtype)
        {
            case "F32": MemoryMarshal.Cast<byte, float>(src).CopyTo(dst); break;
            case "F64": { var s = MemoryMarshal.Cast<byte, double>(src); for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case "F16": { var s = MemoryMarshal.Cast<byte, Half>(src); for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case "BF16": { var s = MemoryMarshal.Cast<byte, ushort>(src); for (int i = 0; i < dst.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(s[i] << 16); break; }
            case "I64": { var s = MemoryMarshal.Cast<byte, long>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case "U64": { var s = MemoryMarshal.Cast<byte, ulong>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case "I32": { var s = MemoryMarshal.Cast<byte, int>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case "U32": { var s = MemoryMarshal.Cast<byte, uint>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case "I16": { var s = MemoryMarshal.Cast<byte, short>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case "U16": { var s = MemoryMarshal.Cast<byte, ushort>(src); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case "I8": for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i]; break;
            default: for (int i = 0; i < dst.Length; i++) dst[i] = src[i]; break; // U8, BOOL
        }
    }
}
