using System.Globalization;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Vision.Codecs;
using Metrix.Vision.Transforms;
using Xunit;
using Xunit.Abstractions;

namespace Metrix.Vision.Tests;

/// <summary>
/// Our transforms against torchvision's on PIL images (tools/fixtures/transforms.py): the resized crops of
/// RandomResizedCrop with and without flip, and the eval pipeline. PIL's fixed-point resampling is
/// reproduced, so pixels agree exactly and the normalised floats to rounding.
/// </summary>
public sealed class TransformParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<TensorFile> File = new(() => Fixtures.Load("transforms/transforms"));

    private static DecodedImage Image(int n)
    {
        var t = File.Value.Tensors[$"img{n}"];
        var rgb = new byte[t.Size];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = (byte)t.Span[i];
        return new DecodedImage(t.Dim(1), t.Dim(0), rgb);
    }

    [Fact]
    public void ResizedCropsAndFlipsMatchTorchvision()
    {
        double worst = 0;
        int cases = 0;
        foreach (var (key, expected) in File.Value.Tensors)
        {
            var parts = key.Split('_');
            if (parts.Length < 3 || !parts[1].StartsWith("box", StringComparison.Ordinal)) continue;
            int n = int.Parse(parts[0][3..], CultureInfo.InvariantCulture);
            int size = int.Parse(parts[2][1..], CultureInfo.InvariantCulture);
            bool flip = parts.Length == 4;
            var box = File.Value.Metadata[$"{parts[0]}_{parts[1]}"].Split(' ').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var crop = ImageTransforms.ResizedCrop(Image(n), new ImageTransforms.CropBox(box[0], box[1], box[2], box[3]), size);
            var actual = new float[3 * size * size];
            ImageTransforms.ToNormalizedTensor(crop, flip, actual);
            worst = Math.Max(worst, MaxAbs(expected.Span, actual));
            cases++;
        }
        output.WriteLine($"{cases} resized crops, max |difference| {worst:E2}");
        Assert.True(cases >= 20, $"only {cases} cases found in the fixture");
        Assert.True(worst < 1e-5, $"max |difference| {worst} against torchvision");
    }

    [Fact]
    public void EvalPipelineMatchesTorchvision()
    {
        int cases = 0;
        foreach (var (key, expected) in File.Value.Tensors)
        {
            var parts = key.Split('_');
            if (parts.Length != 2 || !parts[1].StartsWith("eval", StringComparison.Ordinal)) continue;
            int n = int.Parse(parts[0][3..], CultureInfo.InvariantCulture);
            int size = int.Parse(parts[1][4..], CultureInfo.InvariantCulture);
            var actual = new float[3 * size * size];
            ImageTransforms.Eval(Image(n), size, actual);
            double diff = MaxAbs(expected.Span, actual);
            Assert.True(diff < 1e-5, $"{key}: max |difference| {diff}");
            cases++;
        }
        Assert.True(cases >= 6, $"only {cases} eval cases found");
    }

    [Theory]
    [InlineData(500, 375, 256, 341, 256)]
    [InlineData(375, 500, 256, 256, 341)]
    [InlineData(64, 64, 73, 73, 73)]
    [InlineData(101, 50, 73, 147, 73)]
    public void ShorterSideResizeTruncatesTheLongerSide(int w, int h, int size, int ew, int eh) =>
        Assert.Equal((ew, eh), ImageTransforms.ShorterSideSize(w, h, size));

    [Fact]
    public void CenterCropRoundsHalfToEven()
    {
        // (73 − 64) / 2 = 4.5 rounds to 4, as Python's round does.
        Assert.Equal(new ImageTransforms.CropBox(4, 4, 64, 64), ImageTransforms.CenterCropBox(73, 73, 64));
        Assert.Equal(new ImageTransforms.CropBox(2, 6, 64, 64), ImageTransforms.CenterCropBox(77, 69, 64));
    }

    [Fact]
    public void RandomResizedCropBoxesStayInsideAndFollowTheRatioRange()
    {
        var rng = new Rng(7);
        for (int t = 0; t < 2000; t++)
        {
            int w = 1 + rng.NextInt(400), h = 1 + rng.NextInt(400);
            var box = ImageTransforms.RandomResizedCropBox(w, h, rng);
            Assert.InRange(box.Width, 1, w);
            Assert.InRange(box.Height, 1, h);
            Assert.InRange(box.Left, 0, w - box.Width);
            Assert.InRange(box.Top, 0, h - box.Height);
        }
    }

    [Fact]
    public void RandomResizedCropBoxesCoverAtLeastTheSmallestScale()
    {
        // Near-square images, whose fallback centre crop is whole; rounding the sides can lose a little area.
        var rng = new Rng(11);
        for (int t = 0; t < 2000; t++)
        {
            int w = 100 + rng.NextInt(40), h = 100 + rng.NextInt(40);
            var box = ImageTransforms.RandomResizedCropBox(w, h, rng, scaleMin: 0.5);
            Assert.True(box.Width * (double)box.Height >= 0.5 * w * h * 0.95, $"{box} in {w}×{h}");
        }
    }

    [Fact]
    public void RandomResizedCropFallsBackToTheClampedCentreCrop()
    {
        // A 1000×10 strip: no random box with ratio ≤ 4/3 fits in ten attempts, so the fallback takes the
        // full height and width round(10 · 4/3) = 13, centred.
        var box = ImageTransforms.RandomResizedCropBox(1000, 10, new Rng(1));
        Assert.Equal(new ImageTransforms.CropBox(0, (1000 - 13) / 2, 10, 13), box);
    }

    private static double MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }
}
