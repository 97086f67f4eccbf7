using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Vision.Codecs;
using Xunit;
using Xunit.Abstractions;

namespace Metrix.Vision.Tests;

/// <summary>The PNG decoder against PIL's decode of a corpus of every variant (tools/fixtures/png_corpus.py), and on broken files.</summary>
public sealed class PngDecoderTests(ITestOutputHelper output)
{
    private static readonly ImageCorpus Corpus = new("png", "*.png");
    private static readonly string Folder = Corpus.Folder;

    public static TheoryData<string> CorpusFiles() => Corpus.Names();

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void DecodesExactlyAsPil(string name)
    {
        var (worst, at) = Corpus.CompareWithPil(name);
        Assert.True(worst == 0, $"{name}: byte {at} (pixel {at / 3}, channel {at % 3}) differs by {worst} from PIL");
    }

    [Fact]
    public void CorpusCoversEveryColourTypeDepthAndInterlacing()
    {
        var names = Directory.GetFiles(Folder, "*.png").Select(Path.GetFileName).ToHashSet();
        foreach (var (color, depths) in new[] { (0, new[] { 1, 2, 4, 8, 16 }), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16]) })
            foreach (int depth in depths)
            {
                Assert.Contains($"c{color}_d{depth}.png", names);
                Assert.Contains($"c{color}_d{depth}_adam7.png", names);
            }
    }

    [Fact]
    public void ThousandsOfTruncatedAndMutatedFilesFailCleanly()
    {
        var sources = Corpus.Paths().Select(File.ReadAllBytes).ToArray();
        var rng = new Rng(42);
        int decoded = 0, rejected = 0;
        for (int t = 0; t < 1500; t++)
        {
            var bytes = (byte[])sources[t % sources.Length].Clone();
            switch (t % 5)
            {
                case 0: // truncation anywhere
                    Array.Resize(ref bytes, rng.NextInt(bytes.Length));
                    break;
                case 1: // random byte flips
                    for (int k = 0, n = 1 + rng.NextInt(8); k < n; k++) bytes[rng.NextInt(bytes.Length)] ^= (byte)(1 + rng.NextInt(255));
                    break;
                case 2: // a chunk length field changed (first chunk's length at 8, IHDR size fields at 16–23)
                    bytes[8 + rng.NextInt(16)] = (byte)rng.NextInt(256);
                    break;
                case 3: // a corrupted zlib stream with a matching CRC would be rare; flip inside IDAT data and keep going
                    for (int k = 0; k < 4; k++) bytes[bytes.Length / 2 + rng.NextInt(Math.Max(1, bytes.Length / 2 - 12))] = (byte)rng.NextInt(256);
                    break;
                default: // garbage appended after a truncation
                    Array.Resize(ref bytes, rng.NextInt(bytes.Length) + 16);
                    break;
            }
            string name = $"mutant-{t}.png";
            try
            {
                var image = ImageDecoder.Decode(bytes, name);
                Assert.Equal(image.Width * image.Height * 3, image.Rgb.Length);
                decoded++;
            }
            catch (ImageDecodeException e)
            {
                Assert.Contains(name, e.Message);
                rejected++;
            }
        }
        output.WriteLine($"{decoded} mutants decoded, {rejected} rejected with ImageDecodeException");
        Assert.True(rejected > 1000, $"only {rejected} of 1500 mutants were rejected");
    }

    [Fact]
    public void RejectsHugeDimensionsWithoutAllocating()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "c2_d8.png"));
        // IHDR width/height at 16..23 set to 100000 × 100000, CRC recomputed so only the size is wrong.
        bytes[16] = 0; bytes[17] = 1; bytes[18] = 0x86; bytes[19] = 0xA0;
        bytes[20] = 0; bytes[21] = 1; bytes[22] = 0x86; bytes[23] = 0xA0;
        uint crc = Crc32(bytes.AsSpan(12, 17));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), crc);
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bytes, "huge.png"));
        Assert.Contains("huge.png", e.Message);
        Assert.Contains("100000", e.Message);
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    [Fact]
    public void EmptyAndUnknownFilesNameTheFile()
    {
        Assert.Contains("empty", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode([], "a.png")).Message);
        Assert.Contains("b.gif", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode("GIF89a"u8.ToArray(), "b.gif")).Message);
    }
}
