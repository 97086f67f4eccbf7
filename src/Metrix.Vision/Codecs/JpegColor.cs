using System.Runtime.CompilerServices;

namespace Metrix.Vision.Codecs;

/// <summary>
/// libjpeg-turbo's upsampling (jdsample.c: fancy triangle filters for 2×1, 1×2 and 2×2, replication
/// otherwise; edge rows and columns replicated) and colour conversion (jdcolor.c fixed-point YCbCr; PIL's
/// inverted-CMYK to RGB).
/// </summary>
internal static class JpegColor
{
    private const int ScaleBits = 16, OneHalf = 1 << (ScaleBits - 1);
    private static readonly int[] CrR = new int[256], CbB = new int[256], CrG = new int[256], CbG = new int[256];

    static JpegColor()
    {
        static int Fix(double x) => (int)(x * (1 << ScaleBits) + 0.5);
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrR[i] = (Fix(1.40200) * x + OneHalf) >> ScaleBits;
            CbB[i] = (Fix(1.77200) * x + OneHalf) >> ScaleBits;
            CrG[i] = -Fix(0.71414) * x;
            CbG[i] = -Fix(0.34414) * x + OneHalf;
        }
    }

    /// <summary>
    /// The component plane (<paramref name="width"/> × <paramref name="height"/> valid samples, row
    /// <paramref name="stride"/>) upsampled by (<paramref name="hf"/>, <paramref name="vf"/>) to the image size.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static byte[] Upsample(byte[] plane, int stride, int width, int height, int hf, int vf, int outWidth, int outHeight)
    {
        var output = new byte[(long)outWidth * outHeight];
        var row = new byte[Math.Max(outWidth, width * hf) + 8];
        for (int y = 0; y < outHeight; y++)
        {
            if (hf == 1 && vf == 1)
            {
                Array.Copy(plane, y * stride, output, (long)y * outWidth, outWidth);
                continue;
            }
            if (vf == 2 && hf <= 2 && (hf == 1 || width > 2))
            {
                // Fancy vertical (and horizontal) triangle filter: the nearer input row weighs 3, the other 1.
                int inRow = y / 2;
                int other = Math.Clamp(y % 2 == 0 ? inRow - 1 : inRow + 1, 0, height - 1);
                int r0 = Math.Min(inRow, height - 1) * stride, r1 = other * stride;
                if (hf == 1)
                {
                    int bias = y % 2 == 0 ? 1 : 2;
                    for (int x = 0; x < outWidth; x++) output[(long)y * outWidth + x] = (byte)((plane[r0 + x] * 3 + plane[r1 + x] + bias) >> 2);
                }
                else
                {
                    H2V2Row(plane, r0, r1, width, row);
                    Array.Copy(row, 0, output, (long)y * outWidth, outWidth);
                }
                continue;
            }
            int src = Math.Min(y / vf, height - 1) * stride;
            if (hf == 2 && vf == 1 && width > 2)
            {
                H2V1Row(plane, src, width, row);
            }
            else
            {
                for (int x = 0, n = width * hf; x < n; x++) row[x] = plane[src + x / hf];
                for (int x = width * hf; x < outWidth; x++) row[x] = plane[src + width - 1];
            }
            Array.Copy(row, 0, output, (long)y * outWidth, outWidth);
        }
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void H2V1Row(byte[] p, int s, int width, byte[] o)
    {
        int v = p[s];
        o[0] = (byte)v;
        o[1] = (byte)((v * 3 + p[s + 1] + 2) >> 2);
        for (int i = 1; i < width - 1; i++)
        {
            v = p[s + i] * 3;
            o[2 * i] = (byte)((v + p[s + i - 1] + 1) >> 2);
            o[2 * i + 1] = (byte)((v + p[s + i + 1] + 2) >> 2);
        }
        v = p[s + width - 1];
        o[2 * width - 2] = (byte)((v * 3 + p[s + width - 2] + 1) >> 2);
        o[2 * width - 1] = (byte)v;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void H2V2Row(byte[] p, int r0, int r1, int width, byte[] o)
    {
        int thiscol = p[r0] * 3 + p[r1], nextcol = p[r0 + 1] * 3 + p[r1 + 1];
        o[0] = (byte)((thiscol * 4 + 8) >> 4);
        o[1] = (byte)((thiscol * 3 + nextcol + 7) >> 4);
        int lastcol = thiscol;
        thiscol = nextcol;
        for (int i = 1; i < width - 1; i++)
        {
            nextcol = p[r0 + i + 1] * 3 + p[r1 + i + 1];
            o[2 * i] = (byte)((thiscol * 3 + lastcol + 8) >> 4);
            o[2 * i + 1] = (byte)((thiscol * 3 + nextcol + 7) >> 4);
            lastcol = thiscol;
            thiscol = nextcol;
        }
        o[2 * width - 2] = (byte)((thiscol * 3 + lastcol + 8) >> 4);
        o[2 * width - 1] = (byte)((thiscol * 4 + 7) >> 4);
    }

    private static byte Clamp(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    public static void Grey(byte[] y, byte[] rgb)
    {
        for (int i = 0; i < y.Length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = y[i];
    }

    public static void Rgb(byte[] r, byte[] g, byte[] b, byte[] rgb)
    {
        for (int i = 0; i < r.Length; i++)
        {
            rgb[3 * i] = r[i];
            rgb[3 * i + 1] = g[i];
            rgb[3 * i + 2] = b[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void YCbCr(byte[] y, byte[] cb, byte[] cr, byte[] rgb)
    {
        for (int i = 0; i < y.Length; i++)
        {
            int l = y[i], u = cb[i], v = cr[i];
            rgb[3 * i] = Clamp(l + CrR[v]);
            rgb[3 * i + 1] = Clamp(l + ((CbG[u] + CrG[v]) >> ScaleBits));
            rgb[3 * i + 2] = Clamp(l + CbB[u]);
        }
    }

    /// <summary>
    /// Four components as PIL converts them: libjpeg gives CMYK (YCCK converted first), PIL reads it as
    /// inverted (Adobe) CMYK, and its CMYK → RGB is nk − c·nk/255 with nk = 255 − k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Cmyk(byte[] c0, byte[] c1, byte[] c2, byte[] c3, bool ycck, byte[] rgb)
    {
        for (int i = 0; i < c0.Length; i++)
        {
            int c, m, yy;
            if (ycck)
            {
                int l = c0[i], u = c1[i], v = c2[i];
                c = 255 - Clamp(l + CrR[v]);
                m = 255 - Clamp(l + ((CbG[u] + CrG[v]) >> ScaleBits));
                yy = 255 - Clamp(l + CbB[u]);
            }
            else
            {
                c = c0[i];
                m = c1[i];
                yy = c2[i];
            }
            // PIL's "CMYK;I" raw mode inverts every channel.
            int ic = 255 - c, im = 255 - m, iy = 255 - yy, ik = 255 - c3[i];
            int nk = 255 - ik;
            rgb[3 * i] = Clamp(nk - MulDiv255(ic, nk));
            rgb[3 * i + 1] = Clamp(nk - MulDiv255(im, nk));
            rgb[3 * i + 2] = Clamp(nk - MulDiv255(iy, nk));
        }
    }

    private static int MulDiv255(int a, int b)
    {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }
}
