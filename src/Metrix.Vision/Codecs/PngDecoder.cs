namespace Metrix.Vision.Codecs;

/// <summary>PNG decoder (placeholder until the decoder lands).</summary>
public static class PngDecoder
{
    /// <summary>The 8-byte PNG signature.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Decodes a PNG file to RGB.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file) =>
        throw new ImageDecodeException(file, "PNG decoding is not built yet");
}
