using System.Buffers.Binary;
using System.IO.Compression;

namespace Metrix.Vision.Codecs;

/// <summary>
/// Baseline TIFF to the RGB of PIL's <c>Image.open(f).convert("RGB")</c>: the first image of the file, in
/// strips, uncompressed, LZW, Deflate or PackBits (with or without the horizontal predictor), as 1-bit
/// bilevel, 8-bit grey (+ alpha), 8-bit palette or 8-bit RGB (+ alpha). Alpha is dropped, as PIL's
/// conversion does.
/// </summary>
/// <remarks>
/// Our own reader because SkiaSharp has no TIFF codec on Linux (<c>SKCodec.Create</c> answers
/// <c>Unimplemented</c>); these variants are what PIL, scanners and most exports write. Tiles, 16-bit and
/// floating-point samples, planar layout, YCbCr, CMYK and JPEG-in-TIFF are refused with a named reason.
/// </remarks>
internal static class TiffDecoder
{
    /// <summary>The largest image accepted, as for the other formats.</summary>
    public const long MaxPixels = 1L << 26;

    private const ushort ImageWidth = 256, ImageLength = 257, BitsPerSample = 258, Compression = 259, Photometric = 262,
        FillOrder = 266, StripOffsets = 273, SamplesPerPixel = 277, RowsPerStrip = 278, StripByteCounts = 279,
        PlanarConfiguration = 284, Predictor = 317, ColorMap = 320, TileWidth = 322, ExtraSamples = 338, SampleFormat = 339;

    /// <summary>Whether <paramref name="data"/> starts with a classic TIFF header (II*\0 or MM\0*).</summary>
    public static bool Recognises(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && (data[..4].SequenceEqual("II*\0"u8) || data[..4].SequenceEqual("MM\0*"u8));

    /// <summary>Decodes the first image of <paramref name="data"/>; <paramref name="file"/> names it in errors.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file)
    {
        var reader = new Reader(data.ToArray(), file);
        return reader.Decode();
    }

    private sealed class Reader(byte[] data, string file)
    {
        private readonly bool _little = data.Length >= 2 && data[0] == (byte)'I';
        private readonly Dictionary<ushort, uint[]> _tags = [];

        public DecodedImage Decode()
        {
            if (!Recognises(data)) throw Fail("not a TIFF file (BigTIFF is not supported)");
            ReadDirectory(U32(4));

            int width = (int)Math.Min(Single(ImageWidth), int.MaxValue), height = (int)Math.Min(Single(ImageLength), int.MaxValue);
            if (width <= 0 || height <= 0 || (long)width * height > MaxPixels)
                throw Fail($"unsupported size {width}×{height} (at most {MaxPixels} pixels)");
            if (_tags.ContainsKey(TileWidth)) throw Fail("tiled TIFF is not supported (only strips)");
            int samples = (int)Single(SamplesPerPixel, 1);
            var bits = Values(BitsPerSample, [1]);
            int depth = (int)bits[0];
            if (samples is < 1 or > 4 || bits.Any(b => b != depth) || depth is not (1 or 8))
                throw Fail($"unsupported sample layout ({samples} samples of {string.Join('/', bits)} bits; 1 or 8 bits are supported)");
            if (Single(SampleFormat, 1) != 1) throw Fail("only unsigned integer samples are supported");
            if (Single(PlanarConfiguration, 1) != 1 && samples > 1) throw Fail("planar (separate) sample layout is not supported");
            if (Single(FillOrder, 1) != 1) throw Fail("reversed bit fill order is not supported");
            uint photometric = Single(Photometric);
            uint compression = Single(Compression, 1);
            uint predictor = Single(Predictor, 1);
            if (predictor is not (1 or 2) || (predictor == 2 && depth != 8)) throw Fail($"unsupported predictor {predictor}");
            if (Values(ExtraSamples, [0])[0] == 1) throw Fail("premultiplied alpha is not supported");

            int colour = photometric switch
            {
                0 or 1 when samples <= 2 && (depth == 8 || samples == 1) => 1,
                2 when samples >= 3 && depth == 8 => 3,
                3 when samples == 1 && depth == 8 => 1,
                _ => throw Fail($"unsupported photometric interpretation {photometric} with {samples} samples of {depth} bits"),
            };
            long rowBytes = ((long)width * samples * depth + 7) / 8;
            uint rowsPerStrip = Math.Min(Single(RowsPerStrip, uint.MaxValue), (uint)height);
            var offsets = Values(StripOffsets, null);
            var counts = Values(StripByteCounts, null);
            long strips = (height + rowsPerStrip - 1) / rowsPerStrip;
            if (offsets.Length < strips || counts.Length < strips) throw Fail($"{offsets.Length} strip offsets and {counts.Length} byte counts for {strips} strips");

            var pixels = new byte[rowBytes * height];
            for (int s = 0; s < strips; s++)
            {
                long first = s * (long)rowsPerStrip;
                int rows = (int)Math.Min(rowsPerStrip, height - first);
                var destination = pixels.AsSpan((int)(first * rowBytes), (int)(rows * rowBytes));
                if (offsets[s] > data.Length || counts[s] > data.Length - offsets[s]) throw Fail($"strip {s} lies beyond the end of the file (truncated)");
                var source = data.AsSpan((int)offsets[s], (int)counts[s]);
                Decompress(compression, source, destination, s);
                if (predictor == 2) UndoPredictor(destination, rows, (int)rowBytes, samples);
            }
            return ToRgb(pixels, width, height, (int)rowBytes, samples, depth, photometric, colour);
        }

        private void Decompress(uint compression, ReadOnlySpan<byte> source, Span<byte> destination, int strip)
        {
            int written = compression switch
            {
                1 => Copy(source, destination),
                5 => Lzw(source, destination),
                8 or 32946 => Inflate(source, destination),
                32773 => PackBits(source, destination),
                _ => throw Fail($"unsupported compression {compression} (none, LZW, Deflate and PackBits are supported)"),
            };
            if (written < destination.Length) throw Fail($"strip {strip} ends early: {written} of {destination.Length} bytes (truncated)");
        }

        private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            int n = Math.Min(source.Length, destination.Length);
            source[..n].CopyTo(destination);
            return n;
        }

        // TIFF LZW: MSB-first codes of 9 to 12 bits, 256 clear, 257 end; the width grows one code early.
        private int Lzw(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            if (source.Length >= 2 && source[0] == 0 && (source[1] & 1) == 1) throw Fail("old-style LZW is not supported");
            var prefix = new short[4096];
            var suffix = new byte[4096];
            var length = new short[4096];
            for (int i = 0; i < 256; i++) (prefix[i], suffix[i], length[i]) = (-1, (byte)i, 1);
            int next = 258, width = 9, previous = -1, written = 0;
            long bitBuffer = 0;
            int bitCount = 0, position = 0;
            while (written < destination.Length)
            {
                while (bitCount < width && position < source.Length)
                {
                    bitBuffer = (bitBuffer << 8) | source[position++];
                    bitCount += 8;
                }
                if (bitCount < width) break;
                int code = (int)((bitBuffer >> (bitCount - width)) & ((1 << width) - 1));
                bitCount -= width;
                if (code == 257) break;
                if (code == 256)
                {
                    (next, width, previous) = (258, 9, -1);
                    continue;
                }
                if (code > next || (code == next && previous < 0)) throw Fail("corrupt LZW data (a code beyond the table)");
                int entry = code == next ? previous : code;
                int size = length[entry] + (code == next ? 1 : 0);
                if (written + size > destination.Length) size = destination.Length - written;
                // The string of a code, written back to front from its last byte; a code equal to the next
                // free one is the previous string plus that string's first byte (the KwKwK case).
                int end = written + length[entry] - 1;
                for (int c = entry, k = end; c >= 0; c = prefix[c], k--)
                    if (k < destination.Length) destination[k] = suffix[c];
                byte head = destination[written];
                if (code == next && end + 1 < destination.Length) destination[end + 1] = head;
                written += Math.Min(size, destination.Length - written);
                if (previous >= 0 && next < 4096)
                {
                    (prefix[next], suffix[next], length[next]) = ((short)previous, head, (short)(length[previous] + 1));
                    next++;
                    if (next + 1 >= 1 << width && width < 12) width++;
                }
                previous = code;
            }
            return written;
        }

        private int Inflate(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            try
            {
                using var stream = new ZLibStream(new MemoryStream(source.ToArray()), CompressionMode.Decompress);
                int written = 0, n;
                while (written < destination.Length && (n = stream.Read(destination[written..])) > 0) written += n;
                return written;
            }
            catch (InvalidDataException e)
            {
                throw Fail($"corrupt Deflate data ({e.Message})");
            }
        }

        // PackBits: n in 0..127 copies n + 1 bytes, -127..-1 repeats the next byte 1 - n times, -128 is skipped.
        private static int PackBits(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            int i = 0, written = 0;
            while (i < source.Length && written < destination.Length)
            {
                int n = (sbyte)source[i++];
                if (n >= 0)
                {
                    int count = Math.Min(Math.Min(n + 1, source.Length - i), destination.Length - written);
                    source.Slice(i, count).CopyTo(destination[written..]);
                    (i, written) = (i + n + 1, written + count);
                }
                else if (n != -128 && i < source.Length)
                {
                    int count = Math.Min(1 - n, destination.Length - written);
                    destination.Slice(written, count).Fill(source[i++]);
                    written += count;
                }
            }
            return written;
        }

        // Horizontal differencing: each sample was stored as its difference from the same sample one pixel left.
        private static void UndoPredictor(Span<byte> rows, int count, int rowBytes, int samples)
        {
            for (int r = 0; r < count; r++)
            {
                var row = rows.Slice(r * rowBytes, rowBytes);
                for (int i = samples; i < row.Length; i++) row[i] += row[i - samples];
            }
        }

        private DecodedImage ToRgb(byte[] pixels, int width, int height, int rowBytes, int samples, int depth, uint photometric, int colour)
        {
            var rgb = new byte[(long)width * height * 3];
            byte[]? palette = photometric == 3 ? Palette() : null;
            for (int y = 0; y < height; y++)
            {
                var row = pixels.AsSpan(y * rowBytes, rowBytes);
                for (int x = 0; x < width; x++)
                {
                    long o = ((long)y * width + x) * 3;
                    if (colour == 3)
                    {
                        rgb[o] = row[x * samples];
                        rgb[o + 1] = row[x * samples + 1];
                        rgb[o + 2] = row[x * samples + 2];
                        continue;
                    }
                    int v = depth == 1 ? ((row[x >> 3] >> (7 - (x & 7))) & 1) * 255 : row[x * samples];
                    if (palette is not null)
                    {
                        rgb[o] = palette[v * 3];
                        rgb[o + 1] = palette[v * 3 + 1];
                        rgb[o + 2] = palette[v * 3 + 2];
                        continue;
                    }
                    if (photometric == 0) v = 255 - v; // white is zero
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte)v;
                }
            }
            return new DecodedImage(width, height, rgb);
        }

        // The colour map holds 256 red, then green, then blue values of 16 bits; PIL keeps the high byte.
        private byte[] Palette()
        {
            var map = Values(ColorMap, null);
            if (map.Length < 3 * 256) throw Fail($"the colour map has {map.Length} entries; 768 expected for 8-bit palette images");
            var palette = new byte[256 * 3];
            for (int i = 0; i < 256; i++)
                for (int c = 0; c < 3; c++) palette[i * 3 + c] = (byte)(map[c * 256 + i] / 256);
            return palette;
        }

        private void ReadDirectory(uint offset)
        {
            if (offset < 8 || offset > data.Length - 2) throw Fail("the image directory lies beyond the end of the file (truncated)");
            int count = U16((int)offset);
            if (offset + 2L + count * 12L > data.Length) throw Fail("the image directory is cut short (truncated)");
            for (int i = 0; i < count; i++)
            {
                int entry = (int)offset + 2 + i * 12;
                ushort tag = U16(entry), type = U16(entry + 2);
                uint n = U32(entry + 4);
                int size = type switch { 1 or 2 or 6 or 7 => 1, 3 or 8 => 2, 4 or 9 => 4, _ => 0 };
                if (size == 0) continue; // rationals and others: no tag we read has them
                long bytes = size * (long)n;
                long at = bytes <= 4 ? entry + 8 : U32(entry + 8);
                if (n > 1 << 24 || at + bytes > data.Length) throw Fail($"tag {tag} lies beyond the end of the file (truncated)");
                var values = new uint[n];
                for (int k = 0; k < n; k++)
                    values[k] = size switch { 1 => data[at + k], 2 => U16((int)(at + 2 * k)), _ => U32((int)(at + 4 * k)) };
                _tags[tag] = values;
            }
        }

        private uint[] Values(ushort tag, uint[]? fallback) =>
            _tags.TryGetValue(tag, out var v) && v.Length > 0 ? v : fallback ?? throw Fail($"required tag {tag} is missing");

        private uint Single(ushort tag, uint? fallback = null) =>
            Values(tag, fallback is { } f ? [f] : null)[0];

        private ushort U16(int at) => _little ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));

        private uint U32(int at) => _little ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));

        private ImageDecodeException Fail(string reason) => new(file, reason);
    }
}
