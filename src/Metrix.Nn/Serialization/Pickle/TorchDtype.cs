using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Metrix.Nn;

/// <summary>
/// An element type of a PyTorch storage, named by its storage class (<c>torch.FloatStorage</c>, …), with
/// the conversion to float32 that the reader applies.
/// </summary>
internal sealed class TorchDtype
{
    private TorchDtype(string storageName, string name, int elementSize)
    {
        StorageName = storageName;
        Name = name;
        ElementSize = elementSize;
    }

    /// <summary>The storage class name in module <c>torch</c>.</summary>
    public string StorageName { get; }

    /// <summary>PyTorch's dtype name (<c>float32</c>, <c>int64</c>, …).</summary>
    public string Name { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize { get; }

    /// <summary>Whether values are copied without conversion.</summary>
    public bool IsFloat32 => ElementSize == 4 && Name == "float32";

    private static readonly TorchDtype[] All =
    [
        new("FloatStorage", "float32", 4), new("DoubleStorage", "float64", 8), new("HalfStorage", "float16", 2),
        new("BFloat16Storage", "bfloat16", 2), new("LongStorage", "int64", 8), new("IntStorage", "int32", 4),
        new("ShortStorage", "int16", 2), new("CharStorage", "int8", 1), new("ByteStorage", "uint8", 1),
        new("BoolStorage", "bool", 1),
    ];

    /// <summary>The supported storage class names, for error messages.</summary>
    public static string SupportedNames => string.Join(", ", All.Select(d => "torch." + d.StorageName));

    /// <summary>The dtype of storage class <c>torch.{name}</c>, if supported.</summary>
    public static TorchDtype? FromStorageName(string name) => All.FirstOrDefault(d => d.StorageName == name);

    /// <summary>Reverses the bytes of every element (big-endian files).</summary>
    public void SwapBytes(Span<byte> data)
    {
        if (ElementSize == 1) return;
        for (int i = 0; i + ElementSize <= data.Length; i += ElementSize) data.Slice(i, ElementSize).Reverse();
    }

    /// <summary>Converts <c>destination.Length</c> consecutive little-endian elements to float32.</summary>
    public void Convert(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int n = destination.Length;
        switch (Name)
        {
            case "float32": MemoryMarshal.Cast<byte, float>(source[..(n * 4)]).CopyTo(destination); break;
            case "float64": { var s = MemoryMarshal.Cast<byte, double>(source[..(n * 8)]); for (int i = 0; i < n; i++) destination[i] = (float)s[i]; break; }
            case "float16": { var s = MemoryMarshal.Cast<byte, Half>(source[..(n * 2)]); for (int i = 0; i < n; i++) destination[i] = (float)s[i]; break; }
            case "bfloat16": { var s = MemoryMarshal.Cast<byte, ushort>(source[..(n * 2)]); for (int i = 0; i < n; i++) destination[i] = BitConverter.Int32BitsToSingle(s[i] << 16); break; }
            case "int64": { var s = MemoryMarshal.Cast<byte, long>(source[..(n * 8)]); for (int i = 0; i < n; i++) destination[i] = s[i]; break; }
            case "int32": { var s = MemoryMarshal.Cast<byte, int>(source[..(n * 4)]); for (int i = 0; i < n; i++) destination[i] = s[i]; break; }
            case "int16": { var s = MemoryMarshal.Cast<byte, short>(source[..(n * 2)]); for (int i = 0; i < n; i++) destination[i] = s[i]; break; }
            case "int8": for (int i = 0; i < n; i++) destination[i] = (sbyte)source[i]; break;
            case "bool": for (int i = 0; i < n; i++) destination[i] = source[i] != 0 ? 1f : 0f; break;
            default: for (int i = 0; i < n; i++) destination[i] = source[i]; break; // uint8
        }
    }

    /// <summary>Element <paramref name="index"/> of little-endian <paramref name="source"/> as float32.</summary>
    public float Read(ReadOnlySpan<byte> source, long index)
    {
        var at = source.Slice(checked((int)(index * ElementSize)), ElementSize);
        return Name switch
        {
            "float32" => BinaryPrimitives.ReadSingleLittleEndian(at),
            "float64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(at),
            "float16" => (float)BinaryPrimitives.ReadHalfLittleEndian(at),
            "bfloat16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(at) << 16),
            "int64" => BinaryPrimitives.ReadInt64LittleEndian(at),
            "int32" => BinaryPrimitives.ReadInt32LittleEndian(at),
            "int16" => BinaryPrimitives.ReadInt16LittleEndian(at),
            "int8" => (sbyte)at[0],
            "bool" => at[0] != 0 ? 1f : 0f,
            _ => at[0],
        };
    }
}
