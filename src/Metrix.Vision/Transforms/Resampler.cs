using System.Runtime.CompilerServices;
using Metrix.Vision.Codecs;

namespace Metrix.Vision.Transforms;

/// <summary>
/// PIL's antialiased bilinear resampling of 8-bit RGB (<c>Image.resize(size, BILINEAR, box)</c>), in its
/// fixed-point arithmetic: per output pixel the triangle filter is widened by the downscale factor,
/// weights are normalised and rounded to 22-bit integers, the horizontal pass runs first and both passes
/// round and clip to bytes. This is what torchvision's Resize and RandomResizedCrop do to PIL images.
/// </summary>
public static class Resampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resamples the box (<paramref name="x0"/>, <paramref name="y0"/>, <paramref name="width"/> × <paramref name="height"/>) of <paramref name="image"/> to <paramref name="outWidth"/> × <paramref name="outHeight"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DecodedImage Resize(DecodedImage image, int x0, int y0, int width, int height, int outWidth, int outHeight)
    {
        if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0)
            throw new ArgumentException($"resampling needs positive sizes; box {width}×{height}, output {outWidth}×{outHeight}");
        if (x0 < 0 || y0 < 0 || x0 + width > image.Width || y0 + height > image.Height)
            throw new ArgumentException($"box ({x0}, {y0}, {width}×{height}) lies outside the {image.Width}×{image.Height} image");

        var (hBounds, hWeights, hTaps) = Coefficients(x0, width, image.Width, outWidth);
        var (vBounds, vWeights, vTaps) = Coefficients(y0, height, image.Height, outHeight);

        // Only the rows the vertical pass reads go through the horizontal pass.
        int rowFirst = vBounds[0], rowLast = vBounds[(outHeight - 1) * 2] + vBounds[(outHeight - 1) * 2 + 1];
        int rows = rowLast - rowFirst;
        var temp = new byte[rows * outWidth * 3];
        var src = image.Rgb;
        for (int r = 0; r < rows; r++)
        {
            int srcRow = (rowFirst + r) * image.Width * 3, dstRow = r * outWidth * 3;
            for (int x = 0; x < outWidth; x++)
            {
                int start = hBounds[2 * x], count = hBounds[2 * x + 1];
                int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                int w = x * hTaps, p = srcRow + start * 3;
                for (int t = 0; t < count; t++, p += 3)
                {
                    int k = hWeights[w + t];
                    s0 += src[p] * k;
                    s1 += src[p + 1] * k;
                    s2 += src[p + 2] * k;
                }
                temp[dstRow + 3 * x] = Clip(s0);
                temp[dstRow + 3 * x + 1] = Clip(s1);
                temp[dstRow + 3 * x + 2] = Clip(s2);
            }
        }

        var output = new byte[outWidth * outHeight * 3];
        int rowBytes = outWidth * 3;
        for (int y = 0; y < outHeight; y++)
        {
            int start = vBounds[2 * y] - rowFirst, count = vBounds[2 * y + 1], w = y * vTaps;
            for (int c = 0; c < rowBytes; c++)
            {
                int s = 1 << (PrecisionBits - 1);
                int p = start * rowBytes + c;
                for (int t = 0; t < count; t++, p += rowBytes) s += temp[p] * vWeights[w + t];
                output[y * rowBytes + c] = Clip(s);
            }
        }
        return new DecodedImage(outWidth, outHeight, output);
    }

    /// <summary>Resamples the whole image to <paramref name="outWidth"/> × <paramref name="outHeight"/>.</summary>
    public static DecodedImage Resize(DecodedImage image, int outWidth, int outHeight) =>
        Resize(image, 0, 0, image.Width, image.Height, outWidth, outHeight);

    private static byte Clip(int s)
    {
        int v = s >> PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }

    /// <summary>Per output index its first input index and tap count, and the fixed-point weights (<c>taps</c> per output).</summary>
    private static (int[] Bounds, int[] Weights, int Taps) Coefficients(int in0, int inLength, int inSize, int outSize)
    {
        double scale = (double)inLength / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale; // the bilinear (triangle) filter has support 1
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var weights = new int[outSize * taps];
        var k = new double[taps];
        double ss = 1.0 / filterScale;
        for (int x = 0; x < outSize; x++)
        {
            double center = in0 + (x + 0.5) * scale;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0;
            for (int t = 0; t < xmax; t++)
            {
                double arg = Math.Abs((t + xmin - center + 0.5) * ss);
                double w = arg < 1 ? 1 - arg : 0;
                k[t] = w;
                ww += w;
            }
            for (int t = 0; t < xmax; t++)
            {
                double v = ww != 0 ? k[t] / ww : k[t];
                double scaled = v * (1 << PrecisionBits);
                weights[x * taps + t] = (int)(v < 0 ? Math.Truncate(-0.5 + scaled) : Math.Truncate(0.5 + scaled));
            }
            bounds[2 * x] = xmin;
            bounds[2 * x + 1] = xmax;
        }
        return (bounds, weights, taps);
    }
}
