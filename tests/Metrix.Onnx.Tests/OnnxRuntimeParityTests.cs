using Metrix.Tensors;
using Xunit.Abstractions;

namespace Metrix.Onnx.Tests;

/// <summary>
/// The exported graph run by ONNX Runtime gives the engine's embeddings: max |difference| ≤ 1e-4 for ResNet-18
/// and ResNet-50 (width 8), random and real (emoji) images, batches of 1 and 7, with and without the
/// normalisation in the graph.
/// </summary>
public sealed class OnnxRuntimeParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, bool, string> Cases()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var arch in new[] { "resnet18", "resnet50" })
            foreach (bool inGraph in new[] { false, true })
                foreach (var source in new[] { "random", "emoji" })
                    data.Add(arch, inGraph, source);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Onnx_runtime_matches_the_engine(string arch, bool preprocessingInGraph, string source)
    {
        const int s = TestModels.ImageSize;
        var net = TestModels.Reduced(arch);
        var bytes = OnnxExporter.ToBytes(net, new OnnxExportOptions { ImageSize = s, IncludePreprocessing = preprocessingInGraph });
        using var session = TestModels.Session(bytes);
        foreach (int n in new[] { 1, 7 })
        {
            var pixels = source == "emoji" ? TestModels.EmojiPixels(n, s, first: n) : TestModels.RandomPixels(n, s, (ulong)(n + 100));
            var images = TestModels.Normalise(pixels, n, s);
            if (source == "random" && !preprocessingInGraph)
                new Rng((ulong)n).FillNormal(images, 0, 1.5); // any float input, not only what the pipeline produces
            var expected = TestModels.EngineEmbed(net, images, n, s);
            var actual = preprocessingInGraph ? TestModels.RunBytes(session, pixels, n, s) : TestModels.RunFloat(session, images, n, s);
            Assert.Equal(n * TestModels.EmbeddingSize, actual.Length);
            double diff = TestModels.MaxAbsDifference(expected, actual);
            output.WriteLine($"{arch} {(preprocessingInGraph ? "pixels" : "images")} {source} batch {n}: max |difference| {diff:E2}");
            Assert.True(diff <= Tolerance, $"{arch}, batch {n}, {source}: max |difference| {diff:E3} > {Tolerance:E0}");
            // The embeddings are unit vectors and not all alike: the comparison is not between constants.
            double norm = 0;
            for (int j = 0; j < TestModels.EmbeddingSize; j++) norm += actual[j] * actual[j];
            Assert.InRange(norm, 0.999, 1.001);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Full_width_resnet50_at_224_matches_the_engine()
    {
        // The release's network at its image size (random weights, BatchNorm statistics drawn away from their initial values).
        const int s = 224, n = 2;
        var rng = new Rng(11);
        var net = new Metrix.Nn.EmbeddingNet("resnet50", 512, true, rng);
        foreach (var bn in net.Body.BatchNorms)
        {
            rng.FillNormal(bn.RunningMean.Span, 0, 0.1);
            rng.FillUniform(bn.RunningVar.Span, 0.5, 1.5);
        }
        net.Eval();
        using var session = TestModels.Session(OnnxExporter.ToBytes(net, new OnnxExportOptions { ImageSize = s, IncludePreprocessing = true }));
        var pixels = TestModels.EmojiPixels(n, s, first: 3);
        var expected = TestModels.EngineEmbed(net, TestModels.Normalise(pixels, n, s), n, s);
        double diff = TestModels.MaxAbsDifference(expected, TestModels.RunBytes(session, pixels, n, s));
        output.WriteLine($"resnet50 width 64 at 224, batch {n}: max |difference| {diff:E2}");
        Assert.True(diff <= Tolerance, $"max |difference| {diff:E3}");
    }

    [Fact]
    public void Without_l2_normalisation_the_raw_embeddings_match()
    {
        const int s = TestModels.ImageSize, n = 7;
        var net = TestModels.Reduced("resnet18", l2Normalize: false);
        using var session = TestModels.Session(OnnxExporter.ToBytes(net, new OnnxExportOptions { ImageSize = s }));
        var images = TestModels.Normalise(TestModels.EmojiPixels(n, s), n, s);
        var expected = TestModels.EngineEmbed(net, images, n, s);
        var actual = TestModels.RunFloat(session, images, n, s);
        double diff = TestModels.MaxAbsDifference(expected, actual), scale = expected.Max(Math.Abs);
        output.WriteLine($"resnet18 without L2: max |difference| {diff:E2} (largest |value| {scale:F3})");
        Assert.True(diff <= Tolerance * Math.Max(1, scale), $"max |difference| {diff:E3}");
    }

    [Fact]
    public void A_batch_mixing_images_gives_each_image_its_own_embedding()
    {
        // Batch 7 against seven batches of 1 in the runtime: no statistic crosses the batch (BatchNorm uses running ones).
        const int s = TestModels.ImageSize, n = 7;
        var net = TestModels.Reduced("resnet50");
        using var session = TestModels.Session(OnnxExporter.ToBytes(net, new OnnxExportOptions { ImageSize = s, IncludePreprocessing = true }));
        var pixels = TestModels.EmojiPixels(n, s, first: 5);
        var together = TestModels.RunBytes(session, pixels, n, s);
        int stride = s * s * 3, d = TestModels.EmbeddingSize;
        for (int k = 0; k < n; k++)
        {
            var alone = TestModels.RunBytes(session, pixels.AsSpan(k * stride, stride).ToArray(), 1, s);
            Assert.True(TestModels.MaxAbsDifference(alone, together.AsSpan(k * d, d).ToArray()) <= 1e-5, $"image {k}");
        }
    }
}
