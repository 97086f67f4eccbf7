namespace Metrix.Vision.Codecs;

/// <summary>Decodes PNG and JPEG files to RGB by their signature, as PIL's <c>Image.open(f).convert("RGB")</c> does.</summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="data"/>; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="ImageDecodeException">The data is not a PNG or JPEG file we can decode.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file)
    {
        if (data.Length >= 8 && data[..8].SequenceEqual(PngDecoder.Signature))
            return PngDecoder.Decode(data, file);
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
            return JpegDecoder.Decode(data, file);
        throw new ImageDecodeException(file, data.Length == 0 ? "the file is empty" : "not a PNG or JPEG file (unknown signature)");
    }

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
