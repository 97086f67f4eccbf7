using SkiaSharp;

namespace Metrix.Vision.Codecs;

/// <summary>
/// WebP, BMP and GIF (first frame) through SkiaSharp's codecs, to the RGB that PIL's
/// <c>Image.open(f).convert("RGB")</c> gives: alpha is dropped, not composited, no colour profile is
/// applied, and a GIF's transparent pixels take their palette colour (<see cref="GifTransparency"/>). Skia has no TIFF codec on Linux; <see cref="TiffDecoder"/> reads those.
/// </summary>
internal static class SkiaDecoder
{
    /// <summary>The largest image accepted, as for PNG and JPEG, so a crafted header cannot ask for gigabytes.</summary>
    public const long MaxPixels = 1L << 26;

    /// <summary>Whether <paramref name="data"/> starts with a WebP, BMP or GIF signature.</summary>
    public static bool Recognises(ReadOnlySpan<byte> data) => FormatOf(data) is not null;

    /// <summary>Decodes <paramref name="data"/> (WebP, BMP or GIF); <paramref name="file"/> names it in errors.</summary>
    public static unsafe DecodedImage Decode(ReadOnlySpan<byte> data, string file)
    {
        string format = FormatOf(data) ?? throw new ImageDecodeException(file, "not a WebP, BMP or GIF file");
        using var bytes = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(new SKMemoryStream(bytes), out var opened);
        if (codec is null) throw new ImageDecodeException(file, $"corrupt {format} file ({Describe(opened)})");
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0 || (long)width * height > MaxPixels)
            throw new ImageDecodeException(file, $"unsupported size {width}×{height} (at most {MaxPixels} pixels)");

        // Unpremultiplied RGBA without a colour space: Skia neither premultiplies nor converts colours.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        var rgba = new byte[(long)width * height * 4];
        SKCodecResult result;
        fixed (byte* p = rgba)
            result = codec.GetPixels(info, (IntPtr)p, new SKCodecOptions(0));
        // PIL refuses an image whose data ends early ("image file is truncated"); so do we.
        if (result != SKCodecResult.Success)
            throw new ImageDecodeException(file, $"corrupt {format} file ({Describe(result)})");

        var rgb = new byte[(long)width * height * 3];
        for (long i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
        if (format == "GIF" && GifTransparency.ColourOf(data) is var (r, g, b))
        {
            for (long i = 3, j = 0; i < rgba.Length; i += 4, j += 3)
                if (rgba[i] == 0) (rgb[j], rgb[j + 1], rgb[j + 2]) = (r, g, b);
        }
        return new DecodedImage(width, height, rgb);
    }

    private static string? FormatOf(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8)) return "WebP";
        if (data.Length >= 6 && (data[..6].SequenceEqual("GIF87a"u8) || data[..6].SequenceEqual("GIF89a"u8))) return "GIF";
        if (data.Length >= 2 && data[..2].SequenceEqual("BM"u8)) return "BMP";
        return null;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => "the data ends early or is damaged",
        SKCodecResult.InvalidInput => "invalid data",
        SKCodecResult.Unimplemented => "a variant the codec does not support",
        _ => result.ToString(),
    };
}
