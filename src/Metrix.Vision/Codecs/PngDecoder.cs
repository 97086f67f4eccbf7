using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace Metrix.Vision.Codecs;

/// <summary>
/// PNG decoder to 8-bit RGB with the values PIL's <c>Image.open(f).convert("RGB")</c> gives: every colour
/// type and bit depth, palettes, Adam7 interlacing, all five filters. Alpha (and tRNS) is dropped, not
/// composited; 16-bit colour keeps the high byte; 1/2/4-bit grey is scaled to 0–255; 16-bit grey is clipped
/// at 255 as PIL's I;16 → L conversion does. CRCs of critical chunks are checked (ancillary chunks' are
/// not, as PIL). Any malformed input raises <see cref="ImageDecodeException"/>.
/// </summary>
public static class PngDecoder
{
    /// <summary>Largest image accepted, in pixels.</summary>
    public const long MaxPixels = 1L << 26;

    /// <summary>The 8-byte PNG signature.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly (int X, int Y, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    private sealed record Header(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
    {
        public int Channels => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

        public int BitsPerPixel => Channels * BitDepth;

        /// <summary>Filter unit: bytes per complete pixel, at least 1.</summary>
        public int FilterBytes => Math.Max(1, BitsPerPixel / 8);

        public long RowBytes(int width) => ((long)width * BitsPerPixel + 7) / 8;
    }

    /// <summary>Decodes a PNG file to RGB; <paramref name="file"/> names it in errors.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file)
    {
        try
        {
            return DecodeCore(data, file);
        }
        catch (ImageDecodeException)
        {
            throw;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or IndexOutOfRangeException
                                      or OverflowException or OutOfMemoryException)
        {
            throw new ImageDecodeException(file, "corrupt PNG: " + e.Message, e);
        }
    }

    private static DecodedImage DecodeCore(ReadOnlySpan<byte> data, string file)
    {
        if (data.Length < 8 || !data[..8].SequenceEqual(Signature)) throw new ImageDecodeException(file, "not a PNG file (bad signature)");
        Header? header = null;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        int pos = 8;
        bool ended = false;
        while (!ended)
        {
            if (pos + 8 > data.Length)
            {
                if (header is not null && idat.Length > 0) break; // IEND missing: decode what is there
                throw new ImageDecodeException(file, "truncated PNG (chunk header missing)");
            }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (length > int.MaxValue || pos + 12L + length > data.Length)
            {
                if (header is not null && idat.Length > 0 && IsType(type, "IEND")) break;
                throw new ImageDecodeException(file, $"truncated PNG (chunk {Name(type)} of {length} bytes runs past the end)");
            }
            var body = data.Slice(pos + 8, (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            bool critical = (type[0] & 0x20) == 0;
            if (critical && crc != Crc32(type, body)) throw new ImageDecodeException(file, $"bad CRC in chunk {Name(type)}");
            pos += 12 + (int)length;

            if (IsType(type, "IHDR"))
            {
                if (header is not null) throw new ImageDecodeException(file, "two IHDR chunks");
                header = ReadHeader(body, file);
            }
            else if (header is null)
            {
                throw new ImageDecodeException(file, $"chunk {Name(type)} before IHDR");
            }
            else if (IsType(type, "PLTE"))
            {
                if (length % 3 != 0 || length == 0 || length > 768) throw new ImageDecodeException(file, $"bad PLTE length {length}");
                palette = body.ToArray();
            }
            else if (IsType(type, "IDAT"))
            {
                idat.Write(body);
            }
            else if (IsType(type, "IEND"))
            {
                ended = true;
            }
            else if (critical)
            {
                throw new ImageDecodeException(file, $"unknown critical chunk {Name(type)}");
            }
        }
        if (header is null) throw new ImageDecodeException(file, "no IHDR chunk");
        if (idat.Length == 0) throw new ImageDecodeException(file, "no image data (IDAT)");
        if (header.ColorType == 3 && palette is null) throw new ImageDecodeException(file, "palette image without PLTE");

        var raw = Inflate(idat, header, file);
        var rgb = new byte[(long)header.Width * header.Height * 3];
        if (!header.Interlaced)
        {
            Unfilter(raw, 0, header, header.Width, header.Height, file);
            Expand(raw, 0, header, header.Width, header.Height, palette, rgb, 0, 0, 1, 1);
        }
        else
        {
            int offset = 0;
            foreach (var (x0, y0, dx, dy) in Adam7)
            {
                int w = (header.Width - x0 + dx - 1) / dx, h = (header.Height - y0 + dy - 1) / dy;
                if (w <= 0 || h <= 0) continue;
                Unfilter(raw, offset, header, w, h, file);
                Expand(raw, offset, header, w, h, palette, rgb, x0, y0, dx, dy);
                offset += (int)((header.RowBytes(w) + 1) * h);
            }
        }
        return new DecodedImage(header.Width, header.Height, rgb);
    }

    private static Header ReadHeader(ReadOnlySpan<byte> body, string file)
    {
        if (body.Length != 13) throw new ImageDecodeException(file, $"IHDR has {body.Length} bytes, not 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(body), height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        int depth = body[8], color = body[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue || (long)width * height > MaxPixels)
            throw new ImageDecodeException(file, $"unsupported size {width}×{height} (at most {MaxPixels} pixels)");
        bool valid = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!valid) throw new ImageDecodeException(file, $"invalid colour type {color} with bit depth {depth}");
        if (body[10] != 0 || body[11] != 0) throw new ImageDecodeException(file, "unknown compression or filter method");
        if (body[12] > 1) throw new ImageDecodeException(file, $"unknown interlace method {body[12]}");
        return new Header((int)width, (int)height, depth, color, body[12] == 1);
    }

    private static byte[] Inflate(MemoryStream idat, Header header, string file)
    {
        long expected = 0;
        if (!header.Interlaced) expected = (header.RowBytes(header.Width) + 1) * header.Height;
        else
            foreach (var (x0, y0, dx, dy) in Adam7)
            {
                int w = (header.Width - x0 + dx - 1) / dx, h = (header.Height - y0 + dy - 1) / dy;
                if (w > 0 && h > 0) expected += (header.RowBytes(w) + 1) * h;
            }
        if (expected > int.MaxValue - 64) throw new ImageDecodeException(file, "image data too large");
        var raw = new byte[expected];
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
        int filled = 0;
        while (filled < raw.Length)
        {
            int n = z.Read(raw, filled, raw.Length - filled);
            if (n == 0) throw new ImageDecodeException(file, $"truncated image data ({filled} of {expected} bytes)");
            filled += n;
        }
        return raw;
    }

    /// <summary>Undoes the per-row filters in place; each row is a filter byte and <c>RowBytes</c> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unfilter(byte[] raw, int offset, Header header, int width, int height, string file)
    {
        int stride = (int)header.RowBytes(width), bpp = header.FilterBytes;
        for (int y = 0; y < height; y++)
        {
            int row = offset + y * (stride + 1), line = row + 1, prev = row - stride; // prev: the previous row's data
            bool first = y == 0;
            var cur = raw.AsSpan(line, stride);
            switch (raw[row])
            {
                case 0:
                    break;
                case 1:
                    for (int i = bpp; i < stride; i++) cur[i] += cur[i - bpp];
                    break;
                case 2:
                    if (!first)
                        for (int i = 0; i < stride; i++) cur[i] += raw[prev + i];
                    break;
                case 3:
                    for (int i = 0; i < stride; i++)
                    {
                        int left = i >= bpp ? cur[i - bpp] : 0, up = first ? 0 : raw[prev + i];
                        cur[i] += (byte)((left + up) >> 1);
                    }
                    break;
                case 4:
                    for (int i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? cur[i - bpp] : 0, b = first ? 0 : raw[prev + i], c = !first && i >= bpp ? raw[prev + i - bpp] : 0;
                        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                        cur[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                    }
                    break;
                default:
                    throw new ImageDecodeException(file, $"unknown filter type {raw[row]} in row {y}");
            }
        }
    }

    /// <summary>Writes the unfiltered rows as RGB at pixels (x0 + dx·i, y0 + dy·j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Expand(byte[] raw, int offset, Header header, int width, int height, byte[]? palette, byte[] rgb,
        int x0, int y0, int dx, int dy)
    {
        int stride = (int)header.RowBytes(width), depth = header.BitDepth, channels = header.Channels;
        int step = depth == 16 ? 2 : 1; // bytes per sample (high byte first)
        for (int y = 0; y < height; y++)
        {
            int line = offset + y * (stride + 1) + 1;
            int outRow = (y0 + y * dy) * header.Width;
            for (int x = 0; x < width; x++)
            {
                int o = (outRow + x0 + x * dx) * 3;
                byte r, g, b;
                if (depth < 8)
                {
                    int bit = x * depth, v = (raw[line + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
                    if (header.ColorType == 3) (r, g, b) = Entry(palette!, v);
                    else r = g = b = (byte)(v * 255 / ((1 << depth) - 1));
                }
                else
                {
                    int p = line + x * channels * step;
                    switch (header.ColorType)
                    {
                        case 0:
                        case 4:
                            // 16-bit grey is PIL's I;16, whose conversion to L clips at 255; grey+alpha keeps the high byte.
                            r = g = b = depth == 16 && header.ColorType == 0 ? (byte)Math.Min(255, (raw[p] << 8) | raw[p + 1]) : raw[p];
                            break;
                        case 3:
                            (r, g, b) = Entry(palette!, raw[p]);
                            break;
                        default:
                            r = raw[p];
                            g = raw[p + step];
                            b = raw[p + 2 * step];
                            break;
                    }
                }
                rgb[o] = r;
                rgb[o + 1] = g;
                rgb[o + 2] = b;
            }
        }
    }

    private static (byte, byte, byte) Entry(byte[] palette, int index) =>
        index * 3 + 2 < palette.Length ? (palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2]) : ((byte)0, (byte)0, (byte)0);

    private static bool IsType(ReadOnlySpan<byte> type, string name) =>
        type[0] == name[0] && type[1] == name[1] && type[2] == name[2] && type[3] == name[3];

    private static string Name(ReadOnlySpan<byte> type)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++) c[i] = type[i] is >= 32 and < 127 ? (char)type[i] : '?';
        return new string(c);
    }

    private static readonly uint[] CrcTable = MakeCrcTable();

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static uint Crc32(ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in type) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        foreach (byte b in body) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
