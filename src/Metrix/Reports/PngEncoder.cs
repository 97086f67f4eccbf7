using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Metrix.Vision.Codecs;

namespace Metrix.Reports;

/// <summary>
/// A minimal PNG encoder for report thumbnails: 8-bit RGB, one IDAT chunk, every row with the Sub filter
/// (each byte minus the byte one pixel to its left), zlib-compressed by <see cref="ZLibStream"/>.
/// </summary>
public static class PngEncoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The PNG file bytes of <paramref name="image"/>.</summary>
    public static byte[] Encode(DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Width <= 0 || image.Height <= 0 || image.Rgb.Length != (long)image.Width * image.Height * 3)
            throw new ArgumentException($"cannot encode a {image.Width}×{image.Height} image from {image.Rgb.Length} bytes", nameof(image));
        int stride = image.Stride;
        // Filtered scan lines: a filter-type byte (1 = Sub) then the row's differences.
        var raw = new byte[(long)(stride + 1) * image.Height];
        for (int y = 0; y < image.Height; y++)
        {
            int src = y * stride, dst = y * (stride + 1);
            raw[dst] = 1;
            for (int x = 0; x < stride; x++)
                raw[dst + 1 + x] = (byte)(image.Rgb[src + x] - (x >= 3 ? image.Rgb[src + x - 3] : 0));
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);

        using var png = new MemoryStream();
        png.Write(PngDecoder.Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), image.Height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        // The CRC covers the chunk type and data, not the length.
        uint crc = Crc(0xFFFFFFFFu, typeBytes);
        crc = Crc(crc, data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    // CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), as PNG defines it.
    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
