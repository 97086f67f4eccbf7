using System.Runtime.CompilerServices;

namespace Metrix.Vision.Codecs;

/// <summary>
/// Reads the entropy-coded bits of a scan: removes the 0x00 stuffed after 0xFF and stops at a marker,
/// after which it supplies zero bits (as libjpeg does with corrupt data). Beside it, it follows libjpeg's
/// own bit buffer to tell whether libjpeg would have asked for bytes beyond the end of the file:
/// <see cref="Truncated"/>, PIL's "image file is truncated".
/// </summary>
/// <remarks>
/// libjpeg (slow path of <c>jdhuff.c</c>) refills its buffer only when it holds fewer bits than an
/// operation needs (8 to look up a Huffman code, 9 and then 1 at a time for longer codes, <c>s</c> for the
/// extra bits of a coefficient), and then reads bytes until it holds at least 57 (libjpeg-turbo's 64-bit buffer less 7); running out of bytes
/// in such a refill suspends the decoder, which PIL reports as a truncated file. A marker ends refills
/// (zeros follow), so data cut after its last needed bits but before EOI still decodes, as in PIL.
/// libjpeg-turbo's fast path, used while more than 512 bytes per block of the MCU remain, reads further
/// ahead; it only differs from this when a file is cut within a few bytes of its last needed bit.
/// </remarks>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private ulong _buffer;
    private int _count;

    public JpegBitReader(ReadOnlySpan<byte> data, int position)
    {
        _data = data;
        _pos = position;
        _buffer = 0;
        _count = 0;
        MarkerHit = false;
        _libBits = 0;
        _libPos = position;
        _libMarker = false;
        Truncated = false;
    }

    /// <summary>libjpeg's <c>CHECK_BIT_BUFFER(n)</c>: a refill to at least 57 bits when fewer than <paramref name="n"/> are held.</summary>
    private void LibNeed(int n)
    {
        if (_libBits >= n || Truncated) return;
        while (!_libMarker && _libBits < MinGetBits)
        {
            if (_libPos >= _data.Length)
            {
                Truncated = true;
                return;
            }
            int c = _data[_libPos++];
            if (c == 0xFF)
            {
                do
                {
                    if (_libPos >= _data.Length)
                    {
                        Truncated = true;
                        return;
                    }
                    c = _data[_libPos++];
                }
                while (c == 0xFF);
                if (c != 0) _libMarker = true; // a marker: no more bytes, zeros from here
                if (_libMarker) break;
            }
            _libBits += 8;
        }
        if (_libMarker && n > _libBits) _libBits = MinGetBits;
    }

    /// <summary>Accounts a Huffman code of <paramref name="length"/> bits as libjpeg's <c>HUFF_DECODE</c> reads it.</summary>
    public void AccountHuffman(int length)
    {
        LibNeed(8);
        if (length <= 8)
        {
            _libBits -= length;
            return;
        }
        LibNeed(9);
        _libBits -= 9;
        for (int l = 9; l < length; l++)
        {
            LibNeed(1);
            _libBits--;
        }
    }

    // libjpeg-turbo's MIN_GET_BITS: a 64-bit bit buffer less 7.
    private const int MinGetBits = 57;

    private int _libBits;
    private int _libPos;
    private bool _libMarker;

    /// <summary>Whether libjpeg would have needed bytes beyond the end of the data for what was decoded so far.</summary>
    public bool Truncated { get; private set; }

    /// <summary>True once a marker (or the end of data) was reached.</summary>
    public bool MarkerHit { get; private set; }

    /// <summary>The position just after the bytes consumed (before a marker reached).</summary>
    public readonly int Position => _pos;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fill()
    {
        while (_count <= 56)
        {
            int b = 0;
            if (!MarkerHit && _pos < _data.Length)
            {
                b = _data[_pos];
                if (b == 0xFF)
                {
                    int next = _pos + 1 < _data.Length ? _data[_pos + 1] : -1;
                    if (next == 0x00)
                    {
                        _pos += 2;
                    }
                    else if (next == 0xFF)
                    {
                        _pos++; // fill byte before a marker
                        continue;
                    }
                    else
                    {
                        MarkerHit = true;
                        b = 0;
                    }
                }
                else
                {
                    _pos++;
                }
            }
            else
            {
                MarkerHit = true;
            }
            _buffer |= (ulong)b << (56 - _count);
            _count += 8;
        }
    }

    public int Peek(int n)
    {
        if (_count < n) Fill();
        return (int)(_buffer >> (64 - n));
    }

    public void Skip(int n)
    {
        _buffer <<= n;
        _count -= n;
    }

    public int Read(int n)
    {
        if (n == 0) return 0;
        LibNeed(n);
        _libBits -= n;
        return Take(n);
    }

    /// <summary>Reads <paramref name="n"/> bits without accounting them to libjpeg's buffer (parts of a Huffman code).</summary>
    public int Take(int n)
    {
        if (n == 0) return 0;
        int v = Peek(n);
        Skip(n);
        return v;
    }

    /// <summary>Reads <paramref name="n"/> bits as a signed coefficient (JPEG's EXTEND).</summary>
    public int Receive(int n)
    {
        if (n == 0) return 0;
        if (n > 16) return 0;
        int v = Read(n);
        return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
    }

    /// <summary>Discards the buffered bits and positions after the restart marker that should follow.</summary>
    public void Restart()
    {
        _buffer = 0;
        _count = 0;
        // Skip to the next marker; if it is RSTn, consume it.
        while (_pos + 1 < _data.Length && !(_data[_pos] == 0xFF && _data[_pos + 1] != 0x00 && _data[_pos + 1] != 0xFF)) _pos++;
        if (_pos + 1 < _data.Length && _data[_pos + 1] is >= 0xD0 and <= 0xD7) _pos += 2;
        MarkerHit = false;
        // libjpeg drops its bits and reads the marker (next_marker), unless a refill already met it.
        if (!_libMarker && !Truncated)
        {
            while (_libPos + 1 < _data.Length && !(_data[_libPos] == 0xFF && _data[_libPos + 1] is not (0x00 or 0xFF))) _libPos++;
            if (_libPos + 1 >= _data.Length) Truncated = true;
            else _libPos += 2;
        }
        _libMarker = false;
        _libBits = 0;
    }
}
