using System.Runtime.CompilerServices;

namespace Metrix.Vision.Codecs;

/// <summary>
/// libjpeg's accurate integer inverse DCT (jidctint.c, "islow"): a column pass scaled by 2^PASS1_BITS, a
/// row pass, the +128 level shift and clamping to 0–255. libjpeg-turbo's SIMD version is bit-exact with it,
/// so this matches PIL's decode.
/// </summary>
internal static class JpegIdct
{
    private const int ConstBits = 13, Pass1Bits = 2;
    private const int F0298631336 = 2446, F0390180644 = 3196, F0541196100 = 4433, F0765366865 = 6270, F0899976223 = 7373,
        F1175875602 = 9633, F1501321110 = 12299, F1847759065 = 15137, F1961570560 = 16069, F2053119869 = 16819,
        F2562915447 = 20995, F3072711026 = 25172;

    /// <summary>Transforms the dequantised natural-order coefficients <paramref name="c"/> into 8×8 samples at <paramref name="output"/> with row <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transform(ReadOnlySpan<int> c, Span<byte> output, int stride)
    {
        Span<int> ws = stackalloc int[64];
        for (int col = 0; col < 8; col++)
        {
            if (c[8 + col] == 0 && c[16 + col] == 0 && c[24 + col] == 0 && c[32 + col] == 0 && c[40 + col] == 0 && c[48 + col] == 0 && c[56 + col] == 0)
            {
                int dc = c[col] << Pass1Bits;
                for (int r = 0; r < 8; r++) ws[r * 8 + col] = dc;
                continue;
            }
            Butterfly(c[col], c[8 + col], c[16 + col], c[24 + col], c[32 + col], c[40 + col], c[48 + col], c[56 + col],
                ConstBits - Pass1Bits, ws, col, 8);
        }
        Span<int> row = stackalloc int[8];
        for (int r = 0; r < 8; r++)
        {
            int b = r * 8;
            Butterfly(ws[b], ws[b + 1], ws[b + 2], ws[b + 3], ws[b + 4], ws[b + 5], ws[b + 6], ws[b + 7],
                ConstBits + Pass1Bits + 3, row, 0, 1);
            var o = output.Slice(r * stride, 8);
            for (int x = 0; x < 8; x++)
            {
                int v = row[x] + 128;
                o[x] = (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }

    /// <summary>One 8-point 1-D IDCT; results descaled by <paramref name="shift"/> into <paramref name="dst"/>[start + k·step].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Butterfly(int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7, int shift, Span<int> dst, int start, int step)
    {
        // Even part.
        long z2 = d2, z3 = d6;
        long z1 = (z2 + z3) * F0541196100;
        long tmp2 = z1 + z3 * -F1847759065;
        long tmp3 = z1 + z2 * F0765366865;
        z2 = d0;
        z3 = d4;
        long tmp0 = (z2 + z3) << ConstBits;
        long tmp1 = (z2 - z3) << ConstBits;
        long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;

        // Odd part.
        tmp0 = d7;
        tmp1 = d5;
        tmp2 = d3;
        tmp3 = d1;
        z1 = tmp0 + tmp3;
        z2 = tmp1 + tmp2;
        z3 = tmp0 + tmp2;
        long z4 = tmp1 + tmp3;
        long z5 = (z3 + z4) * F1175875602;
        tmp0 *= F0298631336;
        tmp1 *= F2053119869;
        tmp2 *= F3072711026;
        tmp3 *= F1501321110;
        z1 *= -F0899976223;
        z2 *= -F2562915447;
        z3 *= -F1961570560;
        z4 *= -F0390180644;
        z3 += z5;
        z4 += z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;

        long round = 1L << (shift - 1);
        dst[start] = (int)((tmp10 + tmp3 + round) >> shift);
        dst[start + 7 * step] = (int)((tmp10 - tmp3 + round) >> shift);
        dst[start + step] = (int)((tmp11 + tmp2 + round) >> shift);
        dst[start + 6 * step] = (int)((tmp11 - tmp2 + round) >> shift);
        dst[start + 2 * step] = (int)((tmp12 + tmp1 + round) >> shift);
        dst[start + 5 * step] = (int)((tmp12 - tmp1 + round) >> shift);
        dst[start + 3 * step] = (int)((tmp13 + tmp0 + round) >> shift);
        dst[start + 4 * step] = (int)((tmp13 - tmp0 + round) >> shift);
    }
}
