using Metrix.Reports;
using Metrix.Tensors;
using Metrix.Vision.Codecs;

namespace Metrix.Tests;

public sealed class PngEncoderTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(64, 41)]
    public void Our_decoder_reads_back_the_exact_pixels(int width, int height)
    {
        var rng = new Rng((ulong)(width * 100 + height));
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = (byte)rng.NextInt(256);
        var image = new DecodedImage(width, height, rgb);
        var decoded = PngDecoder.Decode(PngEncoder.Encode(image), "encoded.png");
        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal(rgb, decoded.Rgb);
    }

    [Fact]
    public void Rejects_pixels_that_do_not_fill_the_image()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new DecodedImage(2, 2, new byte[11])));
    }
}
