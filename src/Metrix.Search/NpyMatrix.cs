using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Metrix.Tensors;

namespace Metrix.Search;

/// <summary>
/// float32 matrices as NumPy <c>.npy</c> files (format 1.0, little-endian, C order), the form both the index
/// and <c>tools/bench/faiss_index.py</c> read. Reading checks the header and the file length before allocating.
/// </summary>
public static partial class NpyMatrix
{
    /// <summary>Largest header accepted (NumPy writes 64–128 bytes).</summary>
    private const int MaxHeader = 4096;

    /// <summary>Writes <paramref name="data"/> [<paramref name="rows"/> × <paramref name="columns"/>] to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, int rows, int columns)
    {
        if ((long)rows * columns != data.Length) throw new ArgumentException($"{data.Length} values are not {rows} × {columns}", nameof(data));
        var copy = data.ToArray();
        AtomicFile.Write(path, stream => WriteTo(stream, copy, rows, columns));
    }

    /// <summary>Writes the matrix to <paramref name="stream"/> (not atomic by itself).</summary>
    public static void WriteTo(Stream stream, ReadOnlySpan<float> data, int rows, int columns)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy files are written little-endian");
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");
        int total = 10 + dict.Length + 1;
        int padding = (64 - total % 64) % 64;
        var header = Encoding.ASCII.GetBytes(dict + new string(' ', padding) + "\n");
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(header);
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
    }

    /// <summary>
    /// Reads a float32 matrix; its shape must be [<paramref name="rows"/> × <paramref name="columns"/>] when those
    /// are given. Errors name the file and what is wrong.
    /// </summary>
    public static (float[] Data, int Rows, int Columns) Read(string path, int? rows = null, int? columns = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var prefix = new byte[10];
        if (stream.ReadAtLeast(prefix, 10, throwOnEndOfStream: false) < 10 || prefix[0] != 0x93 || Encoding.ASCII.GetString(prefix, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file");
        if (prefix[6] != 1) throw new InvalidDataException($"{path}: .npy format version {prefix[6]} is not supported (1 is)");
        int headerLength = BitConverter.ToUInt16(prefix, 8);
        if (headerLength > MaxHeader) throw new InvalidDataException($"{path}: .npy header of {headerLength} bytes is too long");
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerLength, throwOnEndOfStream: false) < headerLength)
            throw new InvalidDataException($"{path}: truncated .npy header");
        string header = Encoding.ASCII.GetString(headerBytes);
        if (!header.Contains("'descr': '<f4'") || !header.Contains("'fortran_order': False"))
            throw new InvalidDataException($"{path}: expected a C-order little-endian float32 array, header {header.Trim()}");
        var shape = Shape().Match(header);
        if (!shape.Success) throw new InvalidDataException($"{path}: expected a 2-D array, header {header.Trim()}");
        long r = long.Parse(shape.Groups[1].Value, CultureInfo.InvariantCulture), c = long.Parse(shape.Groups[2].Value, CultureInfo.InvariantCulture);
        if (rows is int wantRows && r != wantRows || columns is int wantColumns && c != wantColumns)
            throw new InvalidDataException($"{path}: shape ({r}, {c}), expected ({rows?.ToString(CultureInfo.InvariantCulture) ?? "any"}, {columns?.ToString(CultureInfo.InvariantCulture) ?? "any"})");
        long expected = 10 + headerLength + r * c * 4;
        if (stream.Length != expected)
            throw new InvalidDataException($"{path}: {stream.Length} bytes, expected {expected} for shape ({r}, {c}) (truncated or padded)");
        if (r * c > Array.MaxLength) throw new InvalidDataException($"{path}: {r} × {c} values are too many for one array");
        var data = new float[r * c];
        stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        return (data, (int)r, (int)c);
    }

    [GeneratedRegex(@"'shape': \((\d+), (\d+)\)")]
    private static partial Regex Shape();
}
