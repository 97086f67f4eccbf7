using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Metrix.Vision.Transforms;

namespace Metrix.Vision.Loading;

/// <summary>
/// Decodes each image of a split once, optionally reduced so the shorter side is at most
/// <see cref="MaxShorterSide"/> (PIL's antialiased bilinear), and keeps the pixels in memory or, for
/// datasets that do not fit, in a disk cache of one file per image (reused by later runs). Thread-safe:
/// loader threads fill it concurrently; an image is decoded by one thread only.
/// </summary>
public sealed class ImageCache
{
    private readonly ImageSet _set;
    private readonly Lazy<DecodedImage>[]? _images;
    private readonly Lazy<bool>[]? _onDisk;

    /// <summary>
    /// A cache of <paramref name="set"/>; <paramref name="maxShorterSide"/> 0 keeps full resolution; with
    /// <paramref name="diskDirectory"/> the pixels are kept in files there instead of in memory.
    /// </summary>
    public ImageCache(ImageSet set, int maxShorterSide = 0, string? diskDirectory = null)
    {
        _set = set;
        MaxShorterSide = maxShorterSide;
        DiskDirectory = diskDirectory;
        if (diskDirectory is null)
        {
            _images = new Lazy<DecodedImage>[set.Count];
            for (int i = 0; i < _images.Length; i++)
            {
                int index = i;
                _images[i] = new Lazy<DecodedImage>(() => Load(index), LazyThreadSafetyMode.ExecutionAndPublication);
            }
        }
        else
        {
            Directory.CreateDirectory(diskDirectory);
            _onDisk = new Lazy<bool>[set.Count];
            for (int i = 0; i < _onDisk.Length; i++)
            {
                int index = i;
                _onDisk[i] = new Lazy<bool>(() => Store(index), LazyThreadSafetyMode.ExecutionAndPublication);
            }
        }
    }

    /// <summary>
    /// A cache sized for the split: in memory when the decoded pixels (at most <paramref name="maxShorterSide"/>
    /// on the shorter side, assuming 4:3 images) fit in <paramref name="memoryBudget"/> bytes, else on disk
    /// under <paramref name="diskRoot"/> in a folder named after the split and the side.
    /// </summary>
    public static ImageCache ForSplit(ImageSet set, int maxShorterSide, string diskRoot, string datasetName, long memoryBudget = 4L << 30)
    {
        long perImage = maxShorterSide > 0 ? (long)maxShorterSide * maxShorterSide * 4 / 3 * 3 : 500L * 375 * 3;
        if ((long)set.Count * perImage <= memoryBudget) return new ImageCache(set, maxShorterSide);
        return new ImageCache(set, maxShorterSide, Path.Combine(diskRoot, $"{datasetName}-{set.Name}-s{maxShorterSide}"));
    }

    /// <summary>Where the pixels are kept on disk, or null when they are in memory.</summary>
    public string? DiskDirectory { get; }

    /// <summary>The split cached.</summary>
    public ImageSet Set => _set;

    /// <summary>The shorter-side cap in pixels (0: none).</summary>
    public int MaxShorterSide { get; }

    /// <summary>The decoded image <paramref name="index"/>.</summary>
    /// <exception cref="ImageDecodeException">The file is unreadable or corrupt; the message names it.</exception>
    public DecodedImage Get(int index)
    {
        if (_images is not null) return _images[index].Value;
        _ = _onDisk![index].Value;
        return ReadPixels(PixelPath(index));
    }

    /// <summary>Bytes held in memory by the decoded images so far (0 for a disk cache).</summary>
    public long Bytes => _images?.Where(l => l.IsValueCreated).Sum(l => (long)l.Value.Rgb.Length) ?? 0;

    /// <summary>The cache file of image <paramref name="index"/>: its position and a hash of its path, so a changed list never reuses a stale file.</summary>
    private string PixelPath(int index)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in _set.Items[index].Path) h = (h ^ c) * 1099511628211UL;
        return Path.Combine(DiskDirectory!, $"{index:D7}-{h:x16}.rgb");
    }

    private bool Store(int index)
    {
        var path = PixelPath(index);
        if (File.Exists(path)) return true;
        var image = Load(index);
        var tmp = path + "." + Environment.ProcessId + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> header = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header, image.Width);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[4..], image.Height);
            f.Write(header);
            f.Write(image.Rgb);
        }
        File.Move(tmp, path, overwrite: true);
        return true;
    }

    private static DecodedImage ReadPixels(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int w = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes), h = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        if (w <= 0 || h <= 0 || bytes.Length != 8 + (long)w * h * 3)
            throw new InvalidDataException($"damaged cache file {path}: delete it and it is rebuilt");
        return new DecodedImage(w, h, bytes[8..]);
    }

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
        // The full-size pixels and the resized copy exist together until the resize ends: both are reserved.
        using (DecodeBudget.Shared.Acquire(DecodeBudget.DecodedBytes(data) * (MaxShorterSide > 0 ? 2 : 1)))
        {
            var image = ImageDecoder.Decode(data, path);
            if (MaxShorterSide > 0 && Math.Min(image.Width, image.Height) > MaxShorterSide)
                image = ImageTransforms.ResizeShorter(image, MaxShorterSide);
            return image;
        }
    }
}
