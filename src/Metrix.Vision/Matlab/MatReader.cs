using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Metrix.Vision.Matlab;

/// <summary>
/// Parses the MATLAB v5 format (MathWorks, "MAT-File Format", chapter 1): a 128-byte header (116 bytes of
/// text, an 8-byte subsystem offset, version 0x0100 and the endian indicator "IM" or "MI"), then tagged data
/// elements. A tag is the data type and byte count (8 bytes, the data padded to 8 bytes after it), or, in
/// the small element format, both packed in 4 bytes with up to 4 bytes of data beside them. A variable is an
/// <c>miMATRIX</c> element — array flags, dimensions, name, then the class's content — or an
/// <c>miCOMPRESSED</c> element holding one <c>miMATRIX</c> in a zlib stream. Every length read from the file
/// is checked against the bytes that remain before anything is allocated.
/// </summary>
internal sealed class MatReader
{
    private const int HeaderBytes = 128, MaxDepth = 100;

    // Data types (table 1-1).
    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16, MiUtf16 = 17, MiUtf32 = 18;

    // Array flags (table 1-2): the class in the low byte.
    private const uint ComplexFlag = 0x0800, LogicalFlag = 0x0200;

    private readonly string _file;
    private bool _big;
    private string _where = "header";

    public MatReader(string file) => _file = file;

    public MatFile Read(byte[] data)
    {
        var (description, big) = ReadHeader(data);
        _big = big;
        var variables = new List<MatArray>();
        var skipped = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int pos = HeaderBytes;
        // Fewer than 8 bytes cannot hold a tag: trailing padding.
        while (data.Length - pos >= 8)
        {
            int start = pos;
            _where = $"element at byte {start}";
            int type = (int)U32(data.AsSpan(pos));
            uint size = U32(data.AsSpan(pos + 4));
            if ((type >> 16) != 0) Fail("a variable cannot be a small element");
            if (size > data.Length - pos - 8) Fail($"{TypeName(type)} element declares {size} bytes; only {data.Length - pos - 8} remain");
            var content = data.AsSpan(pos + 8, (int)size);
            // Compressed elements are not padded; matrices count their padding in their size.
            pos += 8 + (int)size;
            MatArray? variable;
            try
            {
                variable = type switch
                {
                    MiMatrix => ReadMatrix(content, 0),
                    MiCompressed => ReadCompressed(content),
                    _ => throw Error($"expected a variable (miMATRIX or miCOMPRESSED), found {TypeName(type)}"),
                };
            }
            catch (UnsupportedClassException e)
            {
                skipped.Add($"{(e.VariableName.Length > 0 ? e.VariableName : "(unnamed)")}: {e.Class.ToString().ToLowerInvariant()}");
                continue;
            }
            if (variable is null) continue;
            if (!names.Add(variable.Name)) Fail($"variable '{variable.Name}' appears twice");
            variables.Add(variable);
        }
        return new MatFile(description, big, variables, skipped);
    }

    private (string Description, bool BigEndian) ReadHeader(byte[] data)
    {
        if (data.Length < HeaderBytes) Fail($"the file has {data.Length} bytes; a MATLAB v5 header alone has {HeaderBytes}");
        string indicator = Encoding.ASCII.GetString(data, 126, 2);
        bool big = indicator switch
        {
            "IM" => false,
            "MI" => true,
            _ => throw Error("no MATLAB v5 header (endian indicator 'IM' or 'MI' at byte 126); MATLAB v4 files are not read"),
        };
        int version = big ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(124)) : BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(124));
        if (version == 0x0200) Fail("this is a MATLAB v7.3 (HDF5) file; save it with 'save -v7' to read it here");
        if (version != 0x0100) Fail($"unknown MAT-file version 0x{version:X4} (expected 0x0100, MATLAB v5)");
        string text = Encoding.ASCII.GetString(data, 0, 116).TrimEnd(' ', '\0');
        return (text, big);
    }

    /// <summary>An <c>miCOMPRESSED</c> element: a zlib stream holding one data element (a matrix).</summary>
    private MatArray? ReadCompressed(ReadOnlySpan<byte> compressed)
    {
        // Deflate expands at most 1032:1, which bounds what a valid stream can declare.
        long limit = Math.Min(Array.MaxLength, 1032L * compressed.Length + 1024);
        byte[] inflated;
        using (var input = new MemoryStream(compressed.ToArray(), writable: false))
        using (var zlib = new ZLibStream(input, CompressionMode.Decompress))
        {
            var tag = new byte[8];
            int got = ReadUpTo(zlib, tag, 0, 8);
            if (got < 8) Fail($"compressed element inflates to {got} bytes, too few for a tag");
            int type = (int)U32(tag);
            uint size = U32(tag.AsSpan(4));
            if (type != MiMatrix) Fail($"compressed element holds {TypeName(type)}; expected miMATRIX");
            if (size > limit - 8) Fail($"compressed element declares {size} bytes, more than {compressed.Length} compressed bytes can hold");
            // Grow with the data actually inflated rather than trusting the declared size.
            using var buffer = new MemoryStream();
            var chunk = new byte[Math.Min(1 << 16, (int)size + 1)];
            long remaining = size;
            while (remaining > 0)
            {
                int n = ReadUpTo(zlib, chunk, 0, (int)Math.Min(chunk.Length, remaining));
                if (n == 0) Fail($"compressed element ends after {size - remaining} of the {size} bytes its matrix declares");
                buffer.Write(chunk, 0, n);
                remaining -= n;
            }
            inflated = buffer.ToArray();
        }
        return ReadMatrix(inflated, 0);
    }

    private int ReadUpTo(Stream stream, byte[] buffer, int offset, int count)
    {
        int total = 0;
        try
        {
            while (total < count)
            {
                int n = stream.Read(buffer, offset + total, count - total);
                if (n == 0) break;
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw Error($"corrupt zlib stream: {e.Message}", e);
        }
        return total;
    }

    /// <summary>The content of an <c>miMATRIX</c> element (after its tag); empty content is MATLAB's <c>[]</c>.</summary>
    private MatArray ReadMatrix(ReadOnlySpan<byte> content, int depth)
    {
        if (depth > MaxDepth) Fail($"arrays nested deeper than {MaxDepth} levels");
        if (content.Length == 0) return new MatNumericArray("", MatClass.Double, [0, 0], Array.Empty<double>(), null, false);
        int pos = 0;
        var flagsData = Expect(content, ref pos, "array flags", MiUInt32);
        if (flagsData.Length < 4) Fail("array flags are shorter than 4 bytes");
        uint flags = U32(flagsData);
        var matClass = (MatClass)(flags & 0xFF);
        if (matClass is MatClass.Function or MatClass.Opaque) throw new UnsupportedClassException("", matClass);
        var dims = ReadDimensions(Expect(content, ref pos, "dimensions", MiInt32));
        string name = Utf8Name(Expect(content, ref pos, "array name", MiInt8, MiUtf8));
        if (depth == 0) _where = $"variable '{name}'";
        return matClass switch
        {
            MatClass.Double or MatClass.Single or MatClass.Int8 or MatClass.UInt8 or MatClass.Int16 or MatClass.UInt16
                or MatClass.Int32 or MatClass.UInt32 or MatClass.Int64 or MatClass.UInt64
                => ReadNumeric(content, ref pos, name, matClass, dims, (flags & ComplexFlag) != 0, (flags & LogicalFlag) != 0),
            MatClass.Char => ReadChars(content, ref pos, name, dims),
            MatClass.Cell => ReadCell(content, ref pos, name, dims, depth),
            MatClass.Struct or MatClass.Object => ReadStruct(content, ref pos, name, matClass, dims, depth),
            MatClass.Sparse => throw new UnsupportedClassException(name, matClass),
            _ => throw Error($"unknown array class {(int)matClass} in array '{name}'"),
        };
    }

    private int[] ReadDimensions(ReadOnlySpan<byte> data)
    {
        if (data.Length % 4 != 0 || data.Length < 8) Fail($"dimensions take {data.Length} bytes; expected at least two 32-bit integers");
        var dims = new int[data.Length / 4];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = (int)U32(data[(4 * i)..]);
            if (dims[i] < 0) Fail($"negative dimension {dims[i]}");
            count *= dims[i];
            if (count > int.MaxValue) Fail($"dimensions {string.Join('x', dims.Take(i + 1))} exceed {int.MaxValue} elements");
        }
        return dims;
    }

    private static int CountOf(int[] dims)
    {
        int count = 1;
        foreach (int d in dims) count *= d;
        return count;
    }

    private MatNumericArray ReadNumeric(ReadOnlySpan<byte> content, ref int pos, string name, MatClass matClass, int[] dims, bool complex, bool logical)
    {
        int count = CountOf(dims);
        int type = Element(content, ref pos, out var real);
        var realValues = Numbers(real, type, matClass, count, name);
        Array? imaginary = null;
        if (complex)
        {
            type = Element(content, ref pos, out var imag);
            imaginary = Numbers(imag, type, matClass, count, name);
        }
        return new MatNumericArray(name, matClass, dims, realValues, imaginary, logical);
    }

    /// <summary>The <paramref name="count"/> values stored as <paramref name="type"/>, converted to the array's class.</summary>
    private Array Numbers(ReadOnlySpan<byte> data, int type, MatClass matClass, int count, string name)
    {
        int size = SizeOf(type);
        if (size == 0) Fail($"array '{name}' stores its values as {TypeName(type)}; expected a numeric type");
        if (data.Length % size != 0 || data.Length / size != count)
            Fail($"array '{name}' has {data.Length} bytes of {TypeName(type)} values; its dimensions need {count} values ({(long)count * size} bytes)");
        switch (matClass)
        {
            case MatClass.Double:
                {
                    var v = new double[count];
                    for (int i = 0; i < count; i++) v[i] = AsDouble(data, type, i);
                    return v;
                }
            case MatClass.Single:
                {
                    var v = new float[count];
                    for (int i = 0; i < count; i++) v[i] = (float)AsDouble(data, type, i);
                    return v;
                }
            case MatClass.Int8: return Integers(data, type, count, x => (sbyte)x);
            case MatClass.UInt8: return Integers(data, type, count, x => (byte)x);
            case MatClass.Int16: return Integers(data, type, count, x => (short)x);
            case MatClass.UInt16: return Integers(data, type, count, x => (ushort)x);
            case MatClass.Int32: return Integers(data, type, count, x => (int)x);
            case MatClass.UInt32: return Integers(data, type, count, x => (uint)x);
            case MatClass.Int64: return Integers(data, type, count, x => x);
            default:
                {
                    var v = new ulong[count];
                    for (int i = 0; i < count; i++) v[i] = type == MiUInt64 ? U64(data[(8 * i)..]) : (ulong)AsInt64(data, type, i);
                    return v;
                }
        }
    }

    private T[] Integers<T>(ReadOnlySpan<byte> data, int type, int count, Func<long, T> convert)
    {
        var v = new T[count];
        for (int i = 0; i < count; i++) v[i] = convert(AsInt64(data, type, i));
        return v;
    }

    private double AsDouble(ReadOnlySpan<byte> data, int type, int i) => type switch
    {
        MiDouble => BitConverter.UInt64BitsToDouble(U64(data[(8 * i)..])),
        MiSingle => BitConverter.UInt32BitsToSingle(U32(data[(4 * i)..])),
        MiUInt64 => U64(data[(8 * i)..]),
        _ => AsInt64(data, type, i),
    };

    private long AsInt64(ReadOnlySpan<byte> data, int type, int i) => type switch
    {
        MiInt8 => (sbyte)data[i],
        MiUInt8 => data[i],
        MiInt16 => (short)U16(data[(2 * i)..]),
        MiUInt16 => U16(data[(2 * i)..]),
        MiInt32 => (int)U32(data[(4 * i)..]),
        MiUInt32 => U32(data[(4 * i)..]),
        MiInt64 or MiUInt64 => (long)U64(data[(8 * i)..]),
        _ => (long)AsDouble(data, type, i),
    };

    private MatCharArray ReadChars(ReadOnlySpan<byte> content, ref int pos, string name, int[] dims)
    {
        int count = CountOf(dims);
        int type = Element(content, ref pos, out var data);
        string text = type switch
        {
            MiUtf8 => Encoding.UTF8.GetString(data),
            MiUInt8 or MiInt8 => Encoding.Latin1.GetString(data),
            MiUtf16 or MiUInt16 or MiInt16 => Utf16(data, name),
            MiUtf32 or MiUInt32 or MiInt32 => Utf32(data, name),
            _ => throw Error($"char array '{name}' stores its characters as {TypeName(type)}"),
        };
        if (count == 0) text = "";
        else if (text.Length != count) Fail($"char array '{name}' holds {text.Length} characters; its dimensions {string.Join('x', dims)} need {count}");
        return new MatCharArray(name, dims, text);
    }

    private string Utf16(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length % 2 != 0) Fail($"char array '{name}' has an odd number of UTF-16 bytes ({data.Length})");
        var chars = new char[data.Length / 2];
        for (int i = 0; i < chars.Length; i++) chars[i] = (char)U16(data[(2 * i)..]);
        return new string(chars);
    }

    private string Utf32(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length % 4 != 0) Fail($"char array '{name}' has {data.Length} UTF-32 bytes, not a multiple of 4");
        var text = new StringBuilder(data.Length / 4);
        for (int i = 0; i < data.Length / 4; i++)
        {
            uint c = U32(data[(4 * i)..]);
            if (c > 0x10FFFF || c is >= 0xD800 and <= 0xDFFF) Fail($"char array '{name}' holds the invalid code point 0x{c:X}");
            text.Append(char.ConvertFromUtf32((int)c));
        }
        return text.ToString();
    }

    private MatCellArray ReadCell(ReadOnlySpan<byte> content, ref int pos, string name, int[] dims, int depth)
    {
        int count = CountOf(dims);
        // Each cell takes at least an 8-byte tag: bounds the allocation by the bytes present.
        if ((long)count * 8 > content.Length - pos) Fail($"cell array '{name}' declares {count} cells in {content.Length - pos} bytes");
        var cells = new MatArray[count];
        for (int i = 0; i < count; i++) cells[i] = ReadNested(content, ref pos, $"cell {i} of '{name}'", depth);
        return new MatCellArray(name, dims, cells);
    }

    private MatStructArray ReadStruct(ReadOnlySpan<byte> content, ref int pos, string name, MatClass matClass, int[] dims, int depth)
    {
        string? className = matClass == MatClass.Object ? Utf8Name(Expect(content, ref pos, "class name", MiInt8, MiUtf8)) : null;
        var lengthData = Expect(content, ref pos, "field name length", MiInt32);
        if (lengthData.Length < 4) Fail($"structure '{name}' has no field name length");
        int fieldLength = (int)U32(lengthData);
        var namesData = Expect(content, ref pos, "field names", MiInt8, MiUtf8);
        if (fieldLength <= 0 && namesData.Length > 0 || fieldLength > 0 && namesData.Length % fieldLength != 0)
            Fail($"structure '{name}' has {namesData.Length} bytes of field names of length {fieldLength}");
        int fields = fieldLength <= 0 ? 0 : namesData.Length / fieldLength;
        var fieldNames = new string[fields];
        for (int f = 0; f < fields; f++) fieldNames[f] = Utf8Name(namesData.Slice(f * fieldLength, fieldLength));
        int count = CountOf(dims);
        long values = (long)count * fields;
        if (values * 8 > content.Length - pos) Fail($"structure '{name}' declares {count} elements of {fields} fields in {content.Length - pos} bytes");
        var array = new MatArray[values];
        for (int i = 0; i < values; i++)
            array[i] = ReadNested(content, ref pos, $"field '{fieldNames[i % fields]}' of element {i / fields} of '{name}'", depth);
        return new MatStructArray(name, matClass, dims, fieldNames, array, className);
    }

    /// <summary>An array inside a cell or structure (<paramref name="what"/> names it in errors).</summary>
    private MatArray ReadNested(ReadOnlySpan<byte> content, ref int pos, string what, int depth)
    {
        var data = Expect(content, ref pos, what, MiMatrix);
        try
        {
            return ReadMatrix(data, depth + 1);
        }
        catch (UnsupportedClassException e)
        {
            throw Error($"{what} is a {e.Class.ToString().ToLowerInvariant()} array, which is not read");
        }
    }

    /// <summary>Reads the element at <paramref name="pos"/>, which must have one of <paramref name="types"/>.</summary>
    private ReadOnlySpan<byte> Expect(ReadOnlySpan<byte> container, ref int pos, string what, params int[] types)
    {
        int type = Element(container, ref pos, out var data);
        if (Array.IndexOf(types, type) < 0)
            Fail($"{what}: found {TypeName(type)}; expected {string.Join(" or ", types.Select(TypeName))}");
        return data;
    }

    /// <summary>The data element at <paramref name="pos"/> in <paramref name="container"/>: its type, and its data in <paramref name="data"/>.</summary>
    private int Element(ReadOnlySpan<byte> container, ref int pos, out ReadOnlySpan<byte> data)
    {
        int left = container.Length - pos;
        if (left < 8) Fail($"a data element needs an 8-byte tag; {Math.Max(left, 0)} bytes remain");
        uint first = U32(container[pos..]);
        if ((first >> 16) != 0)
        {
            // Small element: byte count in the high half, type in the low half, data in the next 4 bytes.
            int bytes = (int)(first >> 16);
            if (bytes > 4) Fail($"small data element declares {bytes} bytes; at most 4 fit");
            data = container.Slice(pos + 4, bytes);
            pos += 8;
            return (int)(first & 0xFFFF);
        }
        uint size = U32(container[(pos + 4)..]);
        if (size > left - 8) Fail($"{TypeName((int)first)} element declares {size} bytes; only {left - 8} remain");
        data = container.Slice(pos + 8, (int)size);
        pos = (int)Math.Min(container.Length, pos + 8 + ((size + 7L) & ~7L));
        return (int)first;
    }

    private static string Utf8Name(ReadOnlySpan<byte> data)
    {
        int end = data.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? data : data[..end]);
    }

    private static int SizeOf(int type) => type switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => 0,
    };

    private static string TypeName(int type) => type switch
    {
        MiInt8 => "miINT8",
        MiUInt8 => "miUINT8",
        MiInt16 => "miINT16",
        MiUInt16 => "miUINT16",
        MiInt32 => "miINT32",
        MiUInt32 => "miUINT32",
        MiSingle => "miSINGLE",
        MiDouble => "miDOUBLE",
        MiInt64 => "miINT64",
        MiUInt64 => "miUINT64",
        MiMatrix => "miMATRIX",
        MiCompressed => "miCOMPRESSED",
        MiUtf8 => "miUTF8",
        MiUtf16 => "miUTF16",
        MiUtf32 => "miUTF32",
        _ => $"unknown data type {type}",
    };

    private ushort U16(ReadOnlySpan<byte> b) => _big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    private uint U32(ReadOnlySpan<byte> b) => _big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private ulong U64(ReadOnlySpan<byte> b) => _big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);

    private MatFormatException Error(string reason, Exception? inner = null) => new(_file, $"{_where}: {reason}", inner);

    private void Fail(string reason) => throw Error(reason);

    /// <summary>A well-formed array of a class this reader does not decode.</summary>
    private sealed class UnsupportedClassException(string variableName, MatClass matClass) : Exception($"class {matClass} is not read")
    {
        public string VariableName { get; } = variableName;

        public MatClass Class { get; } = matClass;
    }
}
