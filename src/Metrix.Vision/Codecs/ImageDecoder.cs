namespace Metrix.Vision.Codecs;

/// <summary>
/// Decodes image files to RGB by their signature, as PIL's <c>Image.open(f).convert("RGB")</c> does: PNG and
/// JPEG with our own decoders (their pixels equal PIL's), WebP, BMP and GIF (first frame) through SkiaSharp,
/// and baseline TIFF with our own reader (Skia has no TIFF codec on Linux).
/// </summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="data"/>; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="ImageDecodeException">The data is not an image we can decode, or is truncated or corrupt.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file)
    {
        if (data.Length >= 8 && data[..8].SequenceEqual(PngDecoder.Signature))
            return PngDecoder.Decode(data, file);
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
            return JpegDecoder.Decode(data, file);
        if (SkiaDecoder.Recognises(data))
            return SkiaDecoder.Decode(data, file);
        if (TiffDecoder.Recognises(data))
            return TiffDecoder.Decode(data, file);
        throw new ImageDecodeException(file, data.Length == 0 ? "the file is empty" : $"not a {SupportedFormats} file (unknown signature)");
    }

    /// <summary>The formats <see cref="Decode"/> reads, for messages.</summary>
    public const string SupportedFormats = "PNG, JPEG, WebP, BMP, GIF or TIFF";

    /// <summary>The file extensions of those formats, lower case with the dot.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"];

    /// <summary>Reads and decodes the file at <paramref name="path"/>.</summary>
    public static DecodedImage DecodeFile(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, e.Message, e);
        }
        return Decode(data, path);
    }
}
