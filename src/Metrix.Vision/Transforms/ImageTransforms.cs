using System.Runtime.CompilerServices;
using Metrix.Tensors;
using Metrix.Vision.Codecs;

namespace Metrix.Vision.Transforms;

/// <summary>
/// torchvision's transforms on PIL images, with its exact integer and rounding rules: RandomResizedCrop,
/// horizontal flip, Resize of the shorter side, CenterCrop, ToTensor and Normalize; and the two pipelines
/// of docs/method.md#training-recipe with the image size as a parameter.
/// </summary>
public static class ImageTransforms
{
    /// <summary>RandomResizedCrop's default smallest crop area, as a fraction of the image (torchvision's 0.08).</summary>
    public const double DefaultScaleMin = 0.08;

    /// <summary>ImageNet channel means (Normalize).</summary>
    public static ReadOnlySpan<float> Mean => [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet channel standard deviations (Normalize).</summary>
    public static ReadOnlySpan<float> Std => [0.229f, 0.224f, 0.225f];

    /// <summary>A crop box: top row, left column, height, width (torchvision's <c>i, j, h, w</c>).</summary>
    public readonly record struct CropBox(int Top, int Left, int Height, int Width);

    /// <summary>
    /// RandomResizedCrop's parameters (scale 0.08–1, ratio 3/4–4/3): ten attempts at a random area and
    /// log-uniform aspect ratio that fit, else the centre crop clamped to the ratio range.
    /// </summary>
    public static CropBox RandomResizedCropBox(int width, int height, Rng rng, double scaleMin = DefaultScaleMin, double scaleMax = 1.0,
        double ratioMin = 3.0 / 4.0, double ratioMax = 4.0 / 3.0)
    {
        double area = (double)width * height;
        double logMin = Math.Log(ratioMin), logMax = Math.Log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.Uniform(scaleMin, scaleMax);
            double aspect = Math.Exp(rng.Uniform(logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(target * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(target / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
                return new CropBox(rng.NextInt(height - h + 1), rng.NextInt(width - w + 1), h, w);
        }
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < ratioMin)
        {
            cw = width;
            ch = (int)Math.Round(cw / ratioMin, MidpointRounding.ToEven);
        }
        else if (inRatio > ratioMax)
        {
            ch = height;
            cw = (int)Math.Round(ch * ratioMax, MidpointRounding.ToEven);
        }
        else
        {
            cw = width;
            ch = height;
        }
        return new CropBox((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    /// <summary>Resize's output size for a shorter side of <paramref name="size"/> (the longer side truncated, as torchvision does).</summary>
    public static (int Width, int Height) ShorterSideSize(int width, int height, int size)
    {
        if (width <= height)
            return width == size ? (width, height) : (size, (int)((long)size * height / width));
        return height == size ? (width, height) : ((int)((long)size * width / height), size);
    }

    /// <summary>Resize(<paramref name="size"/>): the shorter side to <paramref name="size"/> with PIL's antialiased bilinear filter.</summary>
    public static DecodedImage ResizeShorter(DecodedImage image, int size)
    {
        var (w, h) = ShorterSideSize(image.Width, image.Height, size);
        return w == image.Width && h == image.Height ? image : Resampler.Resize(image, w, h);
    }

    /// <summary>CenterCrop's box (offsets rounded half to even, as Python's round; pads are not needed for our sizes).</summary>
    public static CropBox CenterCropBox(int width, int height, int size)
    {
        if (size > width || size > height)
            throw new ArgumentException($"centre crop {size}×{size} is larger than the {width}×{height} image");
        return new CropBox((int)Math.Round((height - size) / 2.0, MidpointRounding.ToEven),
            (int)Math.Round((width - size) / 2.0, MidpointRounding.ToEven), size, size);
    }

    /// <summary>
    /// ToTensor + Normalize of <paramref name="image"/> into <paramref name="chw"/> (3 × H × W floats),
    /// mirrored left–right when <paramref name="flip"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToNormalizedTensor(DecodedImage image, bool flip, Span<float> chw)
    {
        int w = image.Width, h = image.Height, plane = w * h;
        if (chw.Length < 3 * plane) throw new ArgumentException($"destination holds {chw.Length} floats; 3×{h}×{w} needed");
        var rgb = image.Rgb;
        float m0 = Mean[0], m1 = Mean[1], m2 = Mean[2], s0 = Std[0], s1 = Std[1], s2 = Std[2];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int src = (y * w + (flip ? w - 1 - x : x)) * 3, dst = y * w + x;
                chw[dst] = (rgb[src] / 255f - m0) / s0;
                chw[plane + dst] = (rgb[src + 1] / 255f - m1) / s1;
                chw[2 * plane + dst] = (rgb[src + 2] / 255f - m2) / s2;
            }
    }

    /// <summary>
    /// The train pipeline: RandomResizedCrop(<paramref name="size"/>, scale = (<paramref name="scaleMin"/>, 1)) +
    /// RandomHorizontalFlip + ToTensor + Normalize, written into <paramref name="chw"/>.
    /// </summary>
    public static void Train(DecodedImage image, int size, Rng rng, Span<float> chw, double scaleMin = DefaultScaleMin)
    {
        var box = RandomResizedCropBox(image.Width, image.Height, rng, scaleMin);
        bool flip = rng.NextDouble() < 0.5;
        ToNormalizedTensor(ResizedCrop(image, box, size), flip, chw);
    }

    /// <summary>
    /// torchvision's <c>resized_crop</c>: the box is cut out first and then resized, so the filter never
    /// reaches pixels outside the box (PIL's <c>resize(box=…)</c> would).
    /// </summary>
    public static DecodedImage ResizedCrop(DecodedImage image, CropBox box, int size) =>
        Resampler.Resize(Crop(image, box), size, size);

    /// <summary>The eval resize side for a crop of <paramref name="size"/>: size × 256 / 224 (256 for 224).</summary>
    public static int EvalResize(int size) => size * 256 / 224;

    /// <summary>The eval pipeline: Resize(size × 256/224) + CenterCrop(size) + ToTensor + Normalize.</summary>
    public static void Eval(DecodedImage image, int size, Span<float> chw)
    {
        var resized = ResizeShorter(image, EvalResize(size));
        var box = CenterCropBox(resized.Width, resized.Height, size);
        var crop = Crop(resized, box);
        ToNormalizedTensor(crop, false, chw);
    }

    /// <summary>The pixels of <paramref name="box"/>.</summary>
    public static DecodedImage Crop(DecodedImage image, CropBox box)
    {
        if (box.Left == 0 && box.Top == 0 && box.Width == image.Width && box.Height == image.Height) return image;
        var rgb = new byte[box.Width * box.Height * 3];
        for (int y = 0; y < box.Height; y++)
            image.Rgb.AsSpan(((box.Top + y) * image.Width + box.Left) * 3, box.Width * 3).CopyTo(rgb.AsSpan(y * box.Width * 3));
        return new DecodedImage(box.Width, box.Height, rgb);
    }
}
