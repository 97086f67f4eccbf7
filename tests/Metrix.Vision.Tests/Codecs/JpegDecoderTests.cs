using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Vision.Codecs;
using Xunit;
using Xunit.Abstractions;

namespace Metrix.Vision.Tests;

/// <summary>The JPEG decoder against PIL's decode (libjpeg-turbo) of a corpus of every variant (tools/fixtures/jpeg_corpus.py), and on broken files.</summary>
public sealed class JpegDecoderTests(ITestOutputHelper output)
{
    private static readonly ImageCorpus Corpus = new("jpeg", "*.jpg");
    private static readonly string Folder = Corpus.Folder;

    public static TheoryData<string> CorpusFiles() => Corpus.Names();

    /// <summary>
    /// The decoder's claim (<see cref="JpegDecoder"/>): libjpeg's integer "islow" IDCT, its fancy upsampling and
    /// fixed-point colour conversion, as PIL drives libjpeg-turbo. Those are integer pipelines, so the claim is
    /// bit-exactness: every byte of every corpus file equals PIL's.
    /// </summary>
    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void DecodesExactlyAsPil(string name)
    {
        var (worst, at) = Corpus.CompareWithPil(name);
        Assert.True(worst == 0, $"{name}: byte {at} (pixel {at / 3}, channel {at % 3}) differs by {worst} from PIL");
    }

    [Fact]
    public void ThousandsOfTruncatedAndMutatedFilesFailCleanly()
    {
        var sources = Corpus.Paths().Select(File.ReadAllBytes).ToArray();
        var rng = new Rng(7);
        int decoded = 0, rejected = 0;
        for (int t = 0; t < 1200; t++)
        {
            var bytes = (byte[])sources[t % sources.Length].Clone();
            switch (t % 4)
            {
                case 0:
                    Array.Resize(ref bytes, rng.NextInt(bytes.Length));
                    break;
                case 1:
                    for (int k = 0, n = 1 + rng.NextInt(10); k < n; k++) bytes[rng.NextInt(bytes.Length)] = (byte)rng.NextInt(256);
                    break;
                case 2: // headers: the first 200 bytes hold the tables and the frame
                    for (int k = 0; k < 3; k++) bytes[rng.NextInt(Math.Min(200, bytes.Length))] = (byte)rng.NextInt(256);
                    break;
                default: // a marker byte sequence planted in the entropy-coded data
                    int p = bytes.Length / 2 + rng.NextInt(Math.Max(1, bytes.Length / 2 - 4));
                    bytes[p] = 0xFF;
                    bytes[p + 1] = (byte)(0xC0 + rng.NextInt(64));
                    break;
            }
            string name = $"mutant-{t}.jpg";
            try
            {
                var image = ImageDecoder.Decode(bytes, name);
                Assert.Equal((long)image.Width * image.Height * 3, image.Rgb.Length);
                decoded++;
            }
            catch (ImageDecodeException e)
            {
                Assert.Contains(name, e.Message);
                rejected++;
            }
        }
        output.WriteLine($"{decoded} mutants decoded (libjpeg decodes damaged data too), {rejected} rejected");
        Assert.Equal(1200, decoded + rejected);
        Assert.True(rejected > 100, $"only {rejected} mutants were rejected");
    }

    public static TheoryData<string> TruncatedVerdicts()
    {
        var data = new TheoryData<string>();
        foreach (var name in Fixtures.Load("images/jpeg_truncated").Tensors.Keys.Order(StringComparer.Ordinal)) data.Add(name);
        return data;
    }

    /// <summary>PIL refuses a JPEG whose data ends before libjpeg has what it needs (tools/fixtures/jpeg_truncated.py).</summary>
    [Theory]
    [MemberData(nameof(TruncatedVerdicts))]
    public void TruncatedFilesAreRefusedExactlyWherePilRefusesThem(string name)
    {
        var verdicts = Fixtures.Load("images/jpeg_truncated").Tensors[name];
        var data = File.ReadAllBytes(Path.Combine(Corpus.Folder, name));
        var disagreements = new List<string>();
        for (int i = 0; i < verdicts.Dim(0); i++)
        {
            int length = (int)verdicts.Span[2 * i];
            bool pil = verdicts.Span[2 * i + 1] != 0;
            string? error = null;
            try
            {
                ImageDecoder.Decode(data.AsSpan(0, length), name);
            }
            catch (ImageDecodeException e)
            {
                Assert.Contains(name, e.Message);
                error = e.Reason;
            }
            if (pil != (error is null)) disagreements.Add($"{length}/{data.Length} bytes: PIL {(pil ? "decodes" : "refuses")}, ours {error ?? "decodes"}");
        }
        Assert.True(disagreements.Count == 0, $"{name}: {string.Join("; ", disagreements)}");
    }

    [Fact]
    public void TruncatedScanNamesTheFile()
    {
        var data = File.ReadAllBytes(Path.Combine(Corpus.Folder, "rgb_64x48.jpg"));
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(data.AsSpan(0, data.Length * 2 / 3), "download.jpg"));
        Assert.Equal("cannot decode image 'download.jpg': image file is truncated (the scan data ends early)", e.Message);
    }

    [Fact]
    public void UnsupportedCodingsAreNamed()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "ycc420_37x23.jpg"));
        int sof = Enumerable.Range(0, bytes.Length - 1).First(i => bytes[i] == 0xFF && bytes[i + 1] == 0xC0);
        bytes[sof + 1] = 0xC9;
        Assert.Contains("arithmetic", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bytes, "a.jpg")).Message);
        bytes[sof + 1] = 0xC0;
        bytes[sof + 4] = 12;
        Assert.Contains("12-bit", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bytes, "b.jpg")).Message);
    }
}
