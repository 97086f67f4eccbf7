namespace Metrix.Vision.Codecs;

/// <summary>A decoded image as 8-bit RGB, row-major and interleaved: <c>Rgb[(y * Width + x) * 3 + c]</c>.</summary>
public sealed record DecodedImage(int Width, int Height, byte[] Rgb)
{
    /// <summary>Bytes per row.</summary>
    public int Stride => Width * 3;
}
