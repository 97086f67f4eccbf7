using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Metrix.Vision.Transforms;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Metrix.Onnx.Tests;

/// <summary>
/// Reduced-width (8) networks with the committed PyTorch fixture weights (non-trivial BatchNorm statistics),
/// the engine's embeddings of a batch, ONNX Runtime's embeddings of the same batch, and real image batches
/// from the emoji set through the evaluation pipeline.
/// </summary>
internal static class TestModels
{
    /// <summary>Image size of the parity tests (the emoji set's).</summary>
    public const int ImageSize = 64;

    /// <summary>Embedding width of the test networks.</summary>
    public const int EmbeddingSize = 24;

    /// <summary>Metadata as a checkpoint of the test networks would carry.</summary>
    public static Dictionary<string, string> CheckpointMetadata(string arch) => new()
    {
        ["format"] = "metrix-checkpoint-1",
        ["model"] = arch,
        ["embedding_size"] = "24",
        ["l2_norm"] = "1",
        ["image_size"] = "64",
        ["dataset"] = "emoji",
        ["loss"] = "multisimilarity",
        ["mode"] = "feature",
        ["seed"] = "1",
        ["epoch"] = "3",
        ["train_classes"] = "953",
        ["normalize_mean"] = "0.485,0.456,0.406",
        ["normalize_std"] = "0.229,0.224,0.225",
    };

    private static readonly Lazy<ImageSet> Emoji = new(() => EmojiDataset.Load()["test"]);

    /// <summary>An EmbeddingNet of width 8 in eval mode: body weights from tests/fixtures/nn, head from a fixed seed (non-zero bias).</summary>
    public static EmbeddingNet Reduced(string arch, bool l2Normalize = true)
    {
        var rng = new Rng(17);
        var net = new EmbeddingNet(arch, EmbeddingSize, l2Normalize, rng, width: 8);
        var weights = Checkpoint.Section(Fixtures.Load($"nn/{arch}_w8"), "weights.");
        var loaded = net.LoadStateDict(weights, strict: false);
        Assert.Empty(loaded.Unexpected);
        Assert.All(loaded.Missing, k => Assert.True(k.EndsWith("num_batches_tracked", StringComparison.Ordinal) || k.StartsWith("embedding.", StringComparison.Ordinal), k));
        rng.FillNormal(net.Embedding.Bias!.Span, 0, 0.1);
        net.Eval();
        return net;
    }

    /// <summary>The engine's embeddings of normalised images [n, 3, s, s].</summary>
    public static float[] EngineEmbed(EmbeddingNet net, float[] images, int n, int size)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var x = Metrix.Tensors.Tensor.FromArray(images, n, 3, size, size);
        return net.Forward(x).ToArray();
    }

    /// <summary>A session on <paramref name="model"/> with two threads (the CI machine has two cores).</summary>
    public static InferenceSession Session(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 };
        return new InferenceSession(model, options);
    }

    /// <summary>ONNX Runtime's output for float input [n, 3, s, s].</summary>
    public static float[] RunFloat(InferenceSession session, float[] images, int n, int size) =>
        Run(session, NamedOnnxValue.CreateFromTensor(OnnxExporter.ImagesInput, new DenseTensor<float>(images, [n, 3, size, size])));

    /// <summary>ONNX Runtime's output for uint8 input [n, s, s, 3].</summary>
    public static float[] RunBytes(InferenceSession session, byte[] pixels, int n, int size) =>
        Run(session, NamedOnnxValue.CreateFromTensor(OnnxExporter.PixelsInput, new DenseTensor<byte>(pixels, [n, size, size, 3])));

    private static float[] Run(InferenceSession session, NamedOnnxValue input)
    {
        using var results = session.Run([input]);
        var output = Assert.Single(results);
        Assert.Equal(OnnxExporter.EmbeddingsOutput, output.Name);
        return output.AsEnumerable<float>().ToArray();
    }

    /// <summary>Random RGB bytes [n, s, s, 3].</summary>
    public static byte[] RandomPixels(int n, int size, ulong seed)
    {
        var rng = new Rng(seed);
        var pixels = new byte[n * size * size * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)rng.NextInt(256);
        return pixels;
    }

    /// <summary>
    /// <paramref name="n"/> emoji test images (every 37th, from <paramref name="first"/>) through the evaluation
    /// pipeline's resize of the shorter side and centre crop: RGB bytes [n, s, s, 3].
    /// </summary>
    public static byte[] EmojiPixels(int n, int size, int first = 0)
    {
        var set = Emoji.Value;
        var pixels = new byte[n * size * size * 3];
        for (int k = 0; k < n; k++)
        {
            int index = (first + 37 * k) % set.Count;
            var image = ImageDecoder.Decode(set.ReadBytes(index), set.Items[index].Path);
            var resized = ImageTransforms.ResizeShorter(image, ImageTransforms.EvalResize(size));
            var crop = ImageTransforms.Crop(resized, ImageTransforms.CenterCropBox(resized.Width, resized.Height, size));
            crop.Rgb.CopyTo(pixels, k * size * size * 3);
        }
        return pixels;
    }

    /// <summary>ToTensor + Normalize of RGB bytes [n, s, s, 3] as the engine's pipeline does: floats [n, 3, s, s].</summary>
    public static float[] Normalise(byte[] pixels, int n, int size)
    {
        int plane = size * size;
        var images = new float[n * 3 * plane];
        for (int k = 0; k < n; k++)
        {
            var image = new DecodedImage(size, size, pixels.AsSpan(k * 3 * plane, 3 * plane).ToArray());
            ImageTransforms.ToNormalizedTensor(image, false, images.AsSpan(k * 3 * plane, 3 * plane));
        }
        return images;
    }

    /// <summary>max |a − b| over equal-length arrays.</summary>
    public static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
