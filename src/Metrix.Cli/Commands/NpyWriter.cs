using System.Globalization;
using System.Text;
using Metrix.Tensors;

namespace Metrix.Cli;

/// <summary>Writes NumPy <c>.npy</c> files (format 1.0, little-endian, C order), atomically, for <c>numpy.load</c>.</summary>
internal static class NpyWriter
{
    /// <summary>A float32 matrix [rows, columns].</summary>
    public static void WriteFloat32(string path, ReadOnlySpan<float> data, int rows, int columns)
    {
        var bytes = new byte[data.Length * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).CopyTo(bytes);
        Write(path, "<f4", $"({rows}, {columns})", bytes);
    }

    /// <summary>An int64 vector.</summary>
    public static void WriteInt64(string path, IReadOnlyList<long> values)
    {
        var bytes = new byte[values.Count * 8];
        for (int i = 0; i < values.Count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), values[i]);
        Write(path, "<i8", string.Create(CultureInfo.InvariantCulture, $"({values.Count},)"), bytes);
    }

    private static void Write(string path, string descr, string shape, byte[] payload)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("writing .npy files needs a little-endian machine");
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + dict.Length + 1;
        int padding = (64 - total % 64) % 64;
        var header = Encoding.ASCII.GetBytes(dict + new string(' ', padding) + "\n");
        AtomicFile.Write(path, stream =>
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(header);
            stream.Write(payload);
        });
    }
}
