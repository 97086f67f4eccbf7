using System.Runtime.CompilerServices;

namespace Metrix.Vision.Codecs;

/// <summary>
/// Reads the entropy-coded bits of a scan: removes the 0x00 stuffed after 0xFF and stops at a marker,
/// after which it supplies zero bits (as libjpeg does with corrupt or truncated data).
/// </summary>
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
    }

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
    }
}
