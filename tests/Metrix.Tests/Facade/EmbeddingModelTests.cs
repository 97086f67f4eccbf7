using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;

namespace Metrix.Tests;

/// <summary>The facade: every way of embedding gives the embeddings of the eval pipeline the commands use; loading errors name the file.</summary>
public sealed class EmbeddingModelTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _checkpoint;
    private readonly string[] _images;

    public EmbeddingModelTests()
    {
        var network = new EmbeddingNet("resnet18", 8, true, new Rng(3));
        _checkpoint = _dir["model.safetensors"];
        Checkpoint.Save(_checkpoint, network, CheckpointInfo.Metadata(new GivenTrainOptions { Model = Backbone.ResNet18, EmbeddingSize = 8, ImageSize = 32 }.WithDefaults(), 4, 2));
        var formats = Fixtures.PathOf(Path.Combine("images", "formats"));
        _images = new[] { "rgb24.bmp", "palette.gif", "rgb_lzw.tif", "rgba_lossless.webp", "grey8.bmp" }.Select(f => Path.Combine(formats, f)).ToArray();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void LoadsTheCheckpointsDescription()
    {
        var model = EmbeddingModel.Load(_checkpoint);
        Assert.Equal((32, 8, "resnet18", 4), (model.ImageSize, model.Dimension, model.Info.Model, model.Info.Epoch));
        Assert.Equal(_checkpoint, model.Path);
        Assert.False(model.Network.IsTraining);
    }

    [Fact]
    public void PathsStreamsAndPixelsGiveTheEmbeddingsOfTheCommands()
    {
        var model = EmbeddingModel.Load(_checkpoint);
        model.BatchSize = 2;
        using var expected = model.Embed(ImageSet.FromFiles("x", _images.Select(f => new ImageItem(f, 0)).ToList()), 2, 3);
        var fromPaths = model.EmbedFiles(_images);
        var streams = _images.Select(f => (Stream)new MemoryStream(File.ReadAllBytes(f))).ToList();
        var fromStreams = model.EmbedStreams(streams);
        var fromPixels = model.EmbedImages(_images.Select(ImageDecoder.DecodeFile).ToList());
        for (int i = 0; i < _images.Length; i++)
        {
            var row = expected.Span.Slice(i * 8, 8).ToArray();
            Assert.Equal(row, fromPaths[i]);
            Assert.Equal(row, fromStreams[i]);
            Assert.Equal(row, fromPixels[i]);
        }
        Assert.Equal(fromPaths[0], model.EmbedFile(_images[0]));
    }

    [Fact]
    public void ProgressCountsEveryImage()
    {
        var model = EmbeddingModel.Load(_checkpoint);
        model.BatchSize = 2;
        var seen = new List<(int, int)>();
        model.EmbedFiles(_images, progress: (done, total) => seen.Add((done, total)));
        Assert.Equal([(2, 5), (4, 5), (5, 5)], seen);
    }

    [Fact]
    public void AWeightsFileLoadsIntoTheNamedArchitecture()
    {
        var network = new EmbeddingNet("resnet18", 8, true, new Rng(3));
        string weights = _dir["weights.safetensors"];
        SafeTensors.Write(weights, network.StateDict(), new Dictionary<string, string>());
        var plain = EmbeddingModel.FromWeights(weights, "resnet18", 8, 32);
        Assert.Equal(EmbeddingModel.Load(_checkpoint).EmbedFile(_images[1]), plain.EmbedFile(_images[1]));
        Assert.Throws<InvalidDataException>(() => EmbeddingModel.FromWeights(weights, "resnet18", 16, 32));
    }

    [Fact]
    public void MissingAndForeignFilesAreNamed()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => EmbeddingModel.Load(_dir["none.safetensors"]));
        Assert.Contains(_dir["none.safetensors"], missing.Message);
        string plain = _dir["plain.safetensors"];
        SafeTensors.Write(plain, [new("x", Tensor.Zeros(2))], new Dictionary<string, string>());
        var foreign = Assert.Throws<InvalidDataException>(() => EmbeddingModel.Load(plain));
        Assert.Contains(plain, foreign.Message);
        var bad = Assert.Throws<ImageDecodeException>(() => EmbeddingModel.Load(_checkpoint).EmbedFile(_checkpoint));
        Assert.Equal(_checkpoint, bad.File);
    }
}
