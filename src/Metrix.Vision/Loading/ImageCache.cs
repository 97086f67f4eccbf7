using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Metrix.Vision.Transforms;

namespace Metrix.Vision.Loading;

/// <summary>
/// Decodes each image of a split once and keeps its pixels in memory, optionally reduced so the shorter side
/// is at most <see cref="MaxShorterSide"/> (PIL's antialiased bilinear), which bounds the memory of large
/// datasets. Thread-safe: loader threads fill it concurrently; an image is decoded by one thread only.
/// </summary>
public sealed class ImageCache
{
    private readonly ImageSet _set;
    private readonly Lazy<DecodedImage>[] _images;

    /// <summary>A cache of <paramref name="set"/>; <paramref name="maxShorterSide"/> 0 keeps full resolution.</summary>
    public ImageCache(ImageSet set, int maxShorterSide = 0)
    {
        _set = set;
        MaxShorterSide = maxShorterSide;
        _images = new Lazy<DecodedImage>[set.Count];
        for (int i = 0; i < _images.Length; i++)
        {
            int index = i;
            _images[i] = new Lazy<DecodedImage>(() => Load(index), LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    /// <summary>The split cached.</summary>
    public ImageSet Set => _set;

    /// <summary>The shorter-side cap in pixels (0: none).</summary>
    public int MaxShorterSide { get; }

    /// <summary>The decoded image <paramref name="index"/>.</summary>
    /// <exception cref="ImageDecodeException">The file is unreadable or corrupt; the message names it.</exception>
    public DecodedImage Get(int index) => _images[index].Value;

    /// <summary>Bytes held by the decoded images so far.</summary>
    public long Bytes => _images.Where(l => l.IsValueCreated).Sum(l => (long)l.Value.Rgb.Length);

    private DecodedImage Load(int index)
    {
        var path = _set.Items[index].Path;
        byte[] data;
        try
        {
            data = _set.ReadBytes(index);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or KeyNotFoundException)
        {
            throw new ImageDecodeException(path, e.Message, e);
        }
        var image = ImageDecoder.Decode(data, path);
        if (MaxShorterSide > 0 && Math.Min(image.Width, image.Height) > MaxShorterSide)
            image = ImageTransforms.ResizeShorter(image, MaxShorterSide);
        return image;
    }
}
