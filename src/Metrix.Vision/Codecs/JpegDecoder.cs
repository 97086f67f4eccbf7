using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Metrix.Vision.Codecs;

/// <summary>
/// JPEG decoder to 8-bit RGB matching libjpeg-turbo as PIL drives it (<c>Image.open(f).convert("RGB")</c>):
/// baseline and extended sequential and progressive Huffman, 8-bit; grey, YCbCr, RGB, CMYK and YCCK (Adobe
/// APP14); any sampling factors; restart intervals; other APPn and COM segments skipped; EXIF orientation
/// ignored. Uses libjpeg's integer IDCT, its fancy (triangle) upsampling for 2×1, 1×2 and 2×2 chroma and
/// its fixed-point colour conversion. Any malformed input raises <see cref="ImageDecodeException"/>.
/// </summary>
public static class JpegDecoder
{
    /// <summary>Largest image accepted, in pixels.</summary>
    public const long MaxPixels = 1L << 26;

    private static ReadOnlySpan<byte> ZigZag =>
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    /// <summary>Decodes a JPEG file to RGB; <paramref name="file"/> names it in errors.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file)
    {
        try
        {
            return new Decoder(file).Run(data);
        }
        catch (ImageDecodeException)
        {
            throw;
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException or InvalidOperationException
                                      or OutOfMemoryException or DivideByZeroException)
        {
            throw new ImageDecodeException(file, "corrupt JPEG: " + e.Message, e);
        }
    }

    private sealed class Component
    {
        public int Id, H, V, Tq;
        public int BlocksPerLine, BlocksPerColumn; // allocated (MCU-padded) block grid
        public int Width, Height;                  // downsampled size in samples
        public short[] Coefficients = [];          // zigzag order, 64 per block
        public int DcPredictor;
        public int DcTable, AcTable;
    }

    private sealed class Decoder(string file)
    {
        private readonly int[][] _quant = new int[4][];
        private readonly JpegHuffmanTable?[] _dc = new JpegHuffmanTable?[4], _ac = new JpegHuffmanTable?[4];
        private Component[] _components = [];
        private int _width, _height, _hMax, _vMax, _mcusX, _mcusY, _restartInterval, _eobRun;
        private bool _progressive, _frameSeen, _anyScan, _jfif;
        private bool _multiScan; // libjpeg's has_multiple_scans: progressive, or a first scan without every component
        private int _adobeTransform = -1;

        public DecodedImage Run(ReadOnlySpan<byte> data)
        {
            if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw Fail("not a JPEG file (no SOI marker)");
            int pos = 2;
            while (true)
            {
                // Find the next marker (tolerate fill bytes and garbage between segments, as libjpeg does).
                while (pos < data.Length && data[pos] != 0xFF) pos++;
                while (pos < data.Length && data[pos] == 0xFF) pos++;
                if (pos >= data.Length)
                {
                    // A single-scan file decodes without its EOI in PIL; libjpeg reads a multi-scan one to EOI first.
                    if (_anyScan && !_multiScan) break;
                    throw Fail(_anyScan ? "image file is truncated (the file ends before its EOI marker)" : "truncated JPEG (no image data)");
                }
                int marker = data[pos++];
                if (marker == 0xD9) break; // EOI
                if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue;
                if (pos + 2 > data.Length) throw Fail("truncated JPEG (segment length missing)");
                int length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
                if (length < 2 || pos + length > data.Length)
                {
                    if (_anyScan && !_multiScan) break;
                    throw Fail($"truncated JPEG (segment 0x{marker:X2} of {length} bytes runs past the end)");
                }
                var segment = data.Slice(pos + 2, length - 2);
                pos += length;
                switch (marker)
                {
                    case 0xC0 or 0xC1 or 0xC2:
                        Frame(segment, marker == 0xC2);
                        break;
                    case 0xC3 or (>= 0xC5 and <= 0xC7) or (>= 0xC9 and <= 0xCB) or (>= 0xCD and <= 0xCF):
                        throw Fail(marker >= 0xC9 ? "arithmetic-coded JPEG is not supported" : "lossless or hierarchical JPEG is not supported");
                    case 0xC4:
                        HuffmanTables(segment);
                        break;
                    case 0xDB:
                        QuantTables(segment);
                        break;
                    case 0xDD:
                        if (segment.Length < 2) throw Fail("bad DRI segment");
                        _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                        break;
                    case 0xDA:
                        pos = Scan(data, segment, pos);
                        _anyScan = true;
                        break;
                    case 0xE0:
                        if (segment.Length >= 5 && segment[..5].SequenceEqual("JFIF\0"u8)) _jfif = true;
                        break;
                    case 0xEE:
                        if (segment.Length >= 12 && segment[..5].SequenceEqual("Adobe"u8)) _adobeTransform = segment[11];
                        break;
                    case 0xDC:
                        throw Fail("DNL marker is not supported");
                    default:
                        break; // APPn, COM and others: skipped
                }
            }
            if (!_frameSeen) throw Fail("no frame header (SOF)");
            if (!_anyScan) throw Fail("no scan (SOS)");
            return Output();
        }

        private ImageDecodeException Fail(string reason) => new(file, reason);

        private void Frame(ReadOnlySpan<byte> s, bool progressive)
        {
            if (_frameSeen) throw Fail("two frame headers");
            if (s.Length < 6) throw Fail("bad SOF segment");
            if (s[0] != 8) throw Fail($"{s[0]}-bit JPEG is not supported (8-bit only)");
            _height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
            _width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
            int n = s[5];
            if (_width == 0 || _height == 0) throw Fail($"unsupported size {_width}×{_height}");
            if ((long)_width * _height > MaxPixels) throw Fail($"image too large ({_width}×{_height})");
            if (n is not (1 or 3 or 4)) throw Fail($"{n} components are not supported (1, 3 or 4)");
            if (s.Length < 6 + 3 * n) throw Fail("bad SOF segment");
            _components = new Component[n];
            for (int i = 0; i < n; i++)
            {
                var c = new Component { Id = s[6 + 3 * i], H = s[7 + 3 * i] >> 4, V = s[7 + 3 * i] & 15, Tq = s[8 + 3 * i] };
                if (c.H is < 1 or > 4 || c.V is < 1 or > 4 || c.Tq > 3) throw Fail("bad sampling factors or quantisation table");
                _components[i] = c;
            }
            _hMax = _components.Max(c => c.H);
            _vMax = _components.Max(c => c.V);
            _mcusX = (_width + 8 * _hMax - 1) / (8 * _hMax);
            _mcusY = (_height + 8 * _vMax - 1) / (8 * _vMax);
            foreach (var c in _components)
            {
                if (_hMax % c.H != 0 || _vMax % c.V != 0) throw Fail("unsupported sampling factors (not integral ratios)");
                c.Width = (_width * c.H + _hMax - 1) / _hMax;
                c.Height = (_height * c.V + _vMax - 1) / _vMax;
                c.BlocksPerLine = _mcusX * c.H;
                c.BlocksPerColumn = _mcusY * c.V;
                c.Coefficients = new short[(long)c.BlocksPerLine * c.BlocksPerColumn * 64];
            }
            _progressive = progressive;
            _frameSeen = true;
        }

        private void QuantTables(ReadOnlySpan<byte> s)
        {
            int p = 0;
            while (p < s.Length)
            {
                int precision = s[p] >> 4, id = s[p] & 15;
                if (id > 3 || precision > 1) throw Fail("bad DQT segment");
                p++;
                var table = new int[64];
                for (int k = 0; k < 64; k++)
                {
                    if (p + (precision == 0 ? 1 : 2) > s.Length) throw Fail("truncated DQT segment");
                    if (precision == 0)
                    {
                        table[k] = s[p++];
                    }
                    else
                    {
                        table[k] = BinaryPrimitives.ReadUInt16BigEndian(s[p..]);
                        p += 2;
                    }
                }
                _quant[id] = table;
            }
        }

        private void HuffmanTables(ReadOnlySpan<byte> s)
        {
            int p = 0;
            while (p < s.Length)
            {
                if (p + 17 > s.Length) throw Fail("truncated DHT segment");
                int cls = s[p] >> 4, id = s[p] & 15;
                if (cls > 1 || id > 3) throw Fail("bad DHT segment");
                var counts = s.Slice(p + 1, 16);
                int total = 0;
                foreach (byte b in counts) total += b;
                if (total > 256 || p + 17 + total > s.Length) throw Fail("bad DHT segment");
                var table = new JpegHuffmanTable(counts, s.Slice(p + 17, total), file);
                if (cls == 0) _dc[id] = table;
                else _ac[id] = table;
                p += 17 + total;
            }
        }

        /// <summary>Decodes one scan; returns the position after its entropy-coded data.</summary>
        private int Scan(ReadOnlySpan<byte> data, ReadOnlySpan<byte> s, int pos)
        {
            if (!_frameSeen) throw Fail("scan before frame header");
            if (s.Length < 1) throw Fail("bad SOS segment");
            int n = s[0];
            if (n < 1 || n > 4 || s.Length < 4 + 2 * n) throw Fail("bad SOS segment");
            var comps = new Component[n];
            for (int i = 0; i < n; i++)
            {
                int id = s[1 + 2 * i];
                comps[i] = _components.FirstOrDefault(c => c.Id == id) ?? throw Fail($"scan names unknown component {id}");
                comps[i].DcTable = s[2 + 2 * i] >> 4;
                comps[i].AcTable = s[2 + 2 * i] & 15;
                if (comps[i].DcTable > 3 || comps[i].AcTable > 3) throw Fail("bad Huffman table selector");
            }
            int ss = s[1 + 2 * n], se = s[2 + 2 * n], ah = s[3 + 2 * n] >> 4, al = s[3 + 2 * n] & 15;
            if (!_progressive)
            {
                ss = 0;
                se = 63;
                ah = al = 0;
            }
            else if (ss > se || se > 63 || (ss == 0 && se != 0) || (ss > 0 && n != 1) || al > 13)
            {
                throw Fail("bad progressive scan parameters");
            }
            foreach (var c in comps)
            {
                bool needDc = ss == 0 && ah == 0, needAc = se > 0;
                if (needDc && _dc[c.DcTable] is null) throw Fail("scan uses an undefined DC Huffman table");
                if (needAc && _ac[c.AcTable] is null) throw Fail("scan uses an undefined AC Huffman table");
                c.DcPredictor = 0;
            }
            _eobRun = 0;
            if (!_anyScan) _multiScan = _progressive || n < _components.Length;
            var bits = new JpegBitReader(data, pos);
            bool single = n == 1;
            var c0 = comps[0];
            int mcusX = single ? (c0.Width + 7) / 8 : _mcusX;
            int mcusY = single ? (c0.Height + 7) / 8 : _mcusY;
            long total = (long)mcusX * mcusY;
            int restart = _restartInterval;
            for (long m = 0; m < total; m++)
            {
                if (restart > 0 && m > 0 && m % restart == 0)
                {
                    bits.Restart();
                    foreach (var c in comps) c.DcPredictor = 0;
                    _eobRun = 0;
                }
                int mx = (int)(m % mcusX), my = (int)(m / mcusX);
                if (single)
                {
                    DecodeBlock(ref bits, c0, my * c0.BlocksPerLine + mx, ss, se, ah, al);
                }
                else
                {
                    foreach (var c in comps)
                        for (int v = 0; v < c.V; v++)
                            for (int h = 0; h < c.H; h++)
                                DecodeBlock(ref bits, c, (my * c.V + v) * c.BlocksPerLine + mx * c.H + h, ss, se, ah, al);
                }
            }
            // PIL refuses what libjpeg could not finish for want of bytes ("image file is truncated").
            if (bits.Truncated) throw Fail("image file is truncated (the scan data ends early)");
            return bits.Position;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void DecodeBlock(ref JpegBitReader bits, Component c, int block, int ss, int se, int ah, int al)
        {
            var coef = c.Coefficients.AsSpan(block * 64, 64);
            if (!_progressive)
            {
                int t = _dc[c.DcTable]!.Decode(ref bits);
                int diff = t == 0 ? 0 : bits.Receive(t);
                c.DcPredictor += diff;
                coef[0] = (short)c.DcPredictor;
                var ac = _ac[c.AcTable]!;
                for (int k = 1; k < 64;)
                {
                    int rs = ac.Decode(ref bits), r = rs >> 4, size = rs & 15;
                    if (size == 0)
                    {
                        if (r != 15) break;
                        k += 16;
                        continue;
                    }
                    k += r;
                    if (k > 63) break;
                    coef[k++] = (short)bits.Receive(size);
                }
                return;
            }
            if (ss == 0)
            {
                if (ah == 0)
                {
                    int t = _dc[c.DcTable]!.Decode(ref bits);
                    int diff = t == 0 ? 0 : bits.Receive(t);
                    c.DcPredictor += diff;
                    coef[0] = (short)(c.DcPredictor << al);
                }
                else if (bits.Read(1) != 0)
                {
                    coef[0] |= (short)(1 << al);
                }
                return;
            }
            if (ah == 0) AcFirst(ref bits, c, coef, ss, se, al);
            else AcRefine(ref bits, c, coef, ss, se, al);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AcFirst(ref JpegBitReader bits, Component c, Span<short> coef, int ss, int se, int al)
        {
            if (_eobRun > 0)
            {
                _eobRun--;
                return;
            }
            var ac = _ac[c.AcTable]!;
            for (int k = ss; k <= se;)
            {
                int rs = ac.Decode(ref bits), r = rs >> 4, size = rs & 15;
                if (size == 0)
                {
                    if (r < 15)
                    {
                        _eobRun = (1 << r) - 1;
                        if (r > 0) _eobRun += bits.Read(r);
                        break;
                    }
                    k += 16;
                    continue;
                }
                k += r;
                if (k > 63) break;
                coef[k] = (short)(bits.Receive(size) * (1 << al));
                k++;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AcRefine(ref JpegBitReader bits, Component c, Span<short> coef, int ss, int se, int al)
        {
            int p1 = 1 << al, m1 = -1 << al;
            int k = ss;
            var ac = _ac[c.AcTable]!;
            if (_eobRun == 0)
            {
                for (; k <= se;)
                {
                    int rs = ac.Decode(ref bits), r = rs >> 4, size = rs & 15, value = 0;
                    if (size != 0)
                    {
                        value = bits.Read(1) != 0 ? p1 : m1;
                    }
                    else if (r != 15)
                    {
                        _eobRun = 1 << r;
                        if (r > 0) _eobRun += bits.Read(r);
                        break;
                    }
                    // Advance over r zero-history coefficients, refining the non-zero ones on the way.
                    while (k <= se)
                    {
                        if (coef[k] != 0)
                        {
                            if (bits.Read(1) != 0 && (coef[k] & p1) == 0)
                                coef[k] = (short)(coef[k] >= 0 ? coef[k] + p1 : coef[k] + m1);
                        }
                        else
                        {
                            if (r == 0)
                            {
                                if (value != 0) coef[k] = (short)value;
                                k++;
                                break;
                            }
                            r--;
                        }
                        k++;
                    }
                }
            }
            if (_eobRun > 0)
            {
                for (; k <= se; k++)
                    if (coef[k] != 0 && bits.Read(1) != 0 && (coef[k] & p1) == 0)
                        coef[k] = (short)(coef[k] >= 0 ? coef[k] + p1 : coef[k] + m1);
                _eobRun--;
            }
        }

        /// <summary>IDCT of every component, upsampling and colour conversion.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private DecodedImage Output()
        {
            var planes = new byte[_components.Length][];
            var strides = new int[_components.Length];
            Span<int> block = stackalloc int[64];
            for (int i = 0; i < _components.Length; i++)
            {
                var c = _components[i];
                var q = _quant[c.Tq] ?? throw Fail($"quantisation table {c.Tq} is not defined");
                int stride = c.BlocksPerLine * 8;
                var plane = new byte[stride * c.BlocksPerColumn * 8];
                for (int by = 0; by < c.BlocksPerColumn; by++)
                    for (int bx = 0; bx < c.BlocksPerLine; bx++)
                    {
                        var coef = c.Coefficients.AsSpan((by * c.BlocksPerLine + bx) * 64, 64);
                        for (int k = 0; k < 64; k++) block[ZigZag[k]] = coef[k] * q[k];
                        JpegIdct.Transform(block, plane.AsSpan(by * 8 * stride + bx * 8), stride);
                    }
                planes[i] = plane;
                strides[i] = stride;
            }
            var full = new byte[_components.Length][];
            for (int i = 0; i < _components.Length; i++)
                full[i] = JpegColor.Upsample(planes[i], strides[i], _components[i].Width, _components[i].Height,
                    _hMax / _components[i].H, _vMax / _components[i].V, _width, _height);
            var rgb = new byte[(long)_width * _height * 3];
            switch (_components.Length)
            {
                case 1:
                    JpegColor.Grey(full[0], rgb);
                    break;
                case 3:
                    bool isRgb = _adobeTransform == 0 || (!_jfif && _adobeTransform < 0 && _components[0].Id == 'R' && _components[1].Id == 'G' && _components[2].Id == 'B');
                    if (isRgb) JpegColor.Rgb(full[0], full[1], full[2], rgb);
                    else JpegColor.YCbCr(full[0], full[1], full[2], rgb);
                    break;
                default:
                    JpegColor.Cmyk(full[0], full[1], full[2], full[3], ycck: _adobeTransform == 2, rgb);
                    break;
            }
            return new DecodedImage(_width, _height, rgb);
        }
    }
}
