using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Metrix.Testing;

/// <summary>Small valid image files for dataset tests: 8-bit RGB PNGs of one colour.</summary>
public static class TinyImages
{
    /// <summary>A <paramref name="width"/>×<paramref name="height"/> PNG filled with (r, g, b).</summary>
    public static byte[] Png(int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.Length; i += 3)
        {
            rgb[i] = r;
            rgb[i + 1] = g;
            rgb[i + 2] = b;
        }
        return Png(width, height, rgb);
    }

    /// <summary>A <paramref name="width"/>×<paramref name="height"/> PNG of the row-major RGB triples <paramref name="rgb"/>.</summary>
    public static byte[] Png(int width, int height, ReadOnlySpan<byte> rgb)
    {
        // Rows of filter byte 0 (none) then RGB triples.
        var raw = new byte[height * (1 + 3 * width)];
        for (int y = 0; y < height; y++) rgb.Slice(y * 3 * width, 3 * width).CopyTo(raw.AsSpan(y * (1 + 3 * width) + 1));
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", idat.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Writes a PNG of colour index <paramref name="k"/> at <paramref name="path"/>, creating its folder.</summary>
    public static void WritePng(string path, int k = 0)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Png(3 + k % 3, 2 + k % 2, (byte)(40 * k), (byte)(255 - 7 * k), (byte)(k * k)));
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        png.Write(word);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
