using System.Runtime.CompilerServices;

namespace Metrix.Vision.Codecs;

/// <summary>A Huffman table of a JPEG file: a 9-bit lookup for short codes, libjpeg's maxcode/valptr for the rest.</summary>
internal sealed class JpegHuffmanTable
{
    private const int LookupBits = 9;

    private readonly byte[] _values;
    private readonly int[] _maxCode = new int[18];   // largest code of each length, −1 if none
    private readonly int[] _valOffset = new int[17]; // values[code + offset] for a code of that length
    private readonly short[] _lookup = new short[1 << LookupBits]; // (length << 8) | value, 0 if longer

    /// <summary>A table from the DHT counts per code length (1–16) and the symbol values.</summary>
    public JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values, string file)
    {
        _values = values.ToArray();
        int code = 0, k = 0;
        for (int length = 1; length <= 16; length++)
        {
            int n = counts[length - 1];
            _valOffset[length] = k - code;
            if (n > 0)
            {
                for (int i = 0; i < n; i++, code++, k++)
                {
                    if (length <= LookupBits)
                    {
                        int shift = LookupBits - length, first = code << shift;
                        for (int fill = 0; fill < 1 << shift; fill++) _lookup[first + fill] = (short)((length << 8) | _values[k]);
                    }
                }
                _maxCode[length] = code - 1;
            }
            else
            {
                _maxCode[length] = -1;
            }
            if (code > 1 << length) throw new ImageDecodeException(file, "bad Huffman table (too many codes)");
            code <<= 1;
        }
        _maxCode[17] = int.MaxValue;
    }

    /// <summary>Decodes one symbol from <paramref name="bits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Decode(ref JpegBitReader bits)
    {
        int peek = bits.Peek(LookupBits);
        int entry = _lookup[peek];
        if (entry != 0)
        {
            bits.Skip(entry >> 8);
            bits.AccountHuffman(entry >> 8);
            return entry & 0xFF;
        }
        int code = bits.Take(LookupBits);
        int length = LookupBits;
        while (length < 16 && code > _maxCode[length])
        {
            code = (code << 1) | bits.Take(1);
            length++;
        }
        bits.AccountHuffman(length);
        if (code > _maxCode[length]) return 0; // corrupt data: libjpeg warns and yields 0
        int index = code + _valOffset[length];
        return (uint)index < (uint)_values.Length ? _values[index] : 0;
    }
}
