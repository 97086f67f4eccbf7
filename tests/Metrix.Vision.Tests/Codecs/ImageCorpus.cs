using Metrix.Tensors;
using Metrix.Testing;
using Xunit;

namespace Metrix.Vision.Tests;

/// <summary>A committed decoder corpus: the files under tests/fixtures/images/<c>kind</c>/ and PIL's decode of each.</summary>
internal sealed class ImageCorpus(string kind, string pattern)
{
    private readonly Lazy<TensorFile> _reference = new(() => Fixtures.Load($"images/{kind}_reference"));

    /// <summary>The corpus folder.</summary>
    public string Folder { get; } = Fixtures.PathOf(Path.Combine("images", kind));

    /// <summary>The file names in ordinal order, as theory data.</summary>
    public TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var f in Paths()) data.Add(Path.GetFileName(f));
        return data;
    }

    /// <summary>The full paths in ordinal order.</summary>
    public IEnumerable<string> Paths() => Directory.GetFiles(Folder, pattern).Order(StringComparer.Ordinal);

    /// <summary>
    /// Decodes <paramref name="name"/> with our decoder, checks its size against PIL's and returns the largest
    /// difference of a byte and where it is.
    /// </summary>
    public (int Worst, int At) CompareWithPil(string name)
    {
        var image = Metrix.Vision.Codecs.ImageDecoder.DecodeFile(Path.Combine(Folder, name));
        var expected = Reference(name);
        Assert.Equal(expected.Dim(0), image.Height);
        Assert.Equal(expected.Dim(1), image.Width);
        int worst = 0, at = 0;
        for (int i = 0; i < image.Rgb.Length; i++)
        {
            int d = Math.Abs(image.Rgb[i] - (int)expected.Span[i]);
            if (d > worst) (worst, at) = (d, i);
        }
        return (worst, at);
    }

    /// <summary>PIL's RGB decode of <paramref name="name"/> as [H, W, 3].</summary>
    public Tensor Reference(string name) => _reference.Value.Tensors[name];
}
