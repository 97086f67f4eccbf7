namespace Metrix.Vision.Codecs;

/// <summary>JPEG decoder (placeholder until the decoder lands).</summary>
public static class JpegDecoder
{
    /// <summary>Decodes a JPEG file to RGB.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file) =>
        throw new ImageDecodeException(file, "JPEG decoding is not built yet");
}
