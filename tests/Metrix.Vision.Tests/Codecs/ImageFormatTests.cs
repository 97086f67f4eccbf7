using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Xunit;

namespace Metrix.Vision.Tests;

/// <summary>
/// WebP, BMP, GIF and TIFF against PIL's decode of the files tools/fixtures/image_formats.py writes, and the
/// corrupt file of each format named in a clear error.
/// </summary>
public sealed class ImageFormatTests
{
    private static readonly ImageCorpus Corpus = new("formats", "*.*");
    private static readonly string Corrupt = Path.Combine(Path.GetDirectoryName(Corpus.Folder)!, "formats_corrupt");

    public static TheoryData<string> CorpusFiles() => Corpus.Names();

    public static TheoryData<string> CorruptFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Corrupt).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void DecodesExactlyAsPil(string name)
    {
        var (worst, at) = Corpus.CompareWithPil(name);
        Assert.True(worst == 0, $"{name}: byte {at} (pixel {at / 3}, channel {at % 3}) differs by {worst} from PIL");
    }

    [Fact]
    public void CorpusCoversEveryFormat()
    {
        var extensions = Corpus.Paths().Select(Path.GetExtension).ToHashSet();
        Assert.Equal([".bmp", ".gif", ".tif", ".webp"], extensions.Order(StringComparer.Ordinal));
        Assert.Equal(4, Directory.GetFiles(Corrupt).Select(Path.GetExtension).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void CorruptFileIsNamed(string name)
    {
        string path = Path.Combine(Corrupt, name);
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(path));
        Assert.Equal(path, e.File);
        Assert.StartsWith($"cannot decode image '{path}': ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TruncatedAndMutatedFilesFailCleanly()
    {
        var sources = Corpus.Paths().Select(File.ReadAllBytes).ToArray();
        var rng = new Metrix.Tensors.Rng(7);
        for (int t = 0; t < 600; t++)
        {
            var bytes = (byte[])sources[t % sources.Length].Clone();
            if (t % 2 == 0) Array.Resize(ref bytes, rng.NextInt(bytes.Length));
            else
                for (int k = 0, n = 1 + rng.NextInt(8); k < n; k++) bytes[rng.NextInt(bytes.Length)] ^= (byte)(1 + rng.NextInt(255));
            try
            {
                var image = ImageDecoder.Decode(bytes, "mutant");
                Assert.Equal((long)image.Width * image.Height * 3, image.Rgb.Length);
            }
            catch (ImageDecodeException e)
            {
                Assert.Equal("mutant", e.File);
            }
        }
    }

    [Fact]
    public void ImageFoldersListEveryFormat()
    {
        foreach (var extension in new[] { ".webp", ".bmp", ".gif", ".tif", ".tiff", ".PNG", ".JPEG" })
            Assert.Contains(extension, ImageFolderDataset.Extensions, StringComparer.OrdinalIgnoreCase);
    }
}
