using Metrix.Onnx.Proto;
using Metrix.Testing;
using Metrix.Vision.Transforms;

namespace Metrix.Onnx.Tests;

/// <summary>What the exported model declares: IR version and opset, the symbolic batch dimension, inputs, outputs and metadata.</summary>
public sealed class OnnxGraphTests
{
    private const int S = TestModels.ImageSize;

    [Fact]
    public void Defaults_are_ir_version_8_and_opset_17_of_the_default_domain()
    {
        var model = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(TestModels.Reduced("resnet18"), new OnnxExportOptions { ImageSize = S }));
        Assert.Equal(8, model.IrVersion);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal("metrix", model.ProducerName);
        // The BatchNorm layers keep their running statistics as initializers under torchvision's names.
        Assert.Contains(model.Graph.Initializer, t => t.Name == "layer1.0.bn1.running_var");
        Assert.Equal(20, model.Graph.Node.Count(n => n.OpType == "BatchNormalization"));
        Assert.DoesNotContain(model.Graph.Node, n => n.Domain.Length > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_batch_dimension_is_symbolic_and_any_batch_size_runs(bool preprocessing)
    {
        var net = TestModels.Reduced("resnet18");
        var bytes = OnnxExporter.ToBytes(net, new OnnxExportOptions { ImageSize = S, IncludePreprocessing = preprocessing });
        var graph = ModelProto.Parser.ParseFrom(bytes).Graph;
        var input = Assert.Single(graph.Input);
        var output = Assert.Single(graph.Output);
        Assert.Equal(OnnxExporter.BatchDimension, input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(OnnxExporter.BatchDimension, output.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(TestModels.EmbeddingSize, output.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal(preprocessing ? [0, S, S, 3] : new long[] { 0, 3, S, S }, input.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.Equal(preprocessing ? (int)TensorProto.Types.DataType.Uint8 : (int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);

        using var session = TestModels.Session(bytes);
        var meta = session.InputMetadata[preprocessing ? OnnxExporter.PixelsInput : OnnxExporter.ImagesInput];
        Assert.Equal(-1, meta.Dimensions[0]);
        Assert.Equal(OnnxExporter.BatchDimension, meta.SymbolicDimensions[0]);
        Assert.Equal(-1, session.OutputMetadata[OnnxExporter.EmbeddingsOutput].Dimensions[0]);
        // One session, batches of 1, 3, 16 and 2: each row is the engine's embedding of that image.
        foreach (int n in new[] { 1, 3, 16, 2 })
        {
            var pixels = TestModels.RandomPixels(n, S, (ulong)n);
            var images = TestModels.Normalise(pixels, n, S);
            var actual = preprocessing ? TestModels.RunBytes(session, pixels, n, S) : TestModels.RunFloat(session, images, n, S);
            Assert.True(TestModels.MaxAbsDifference(TestModels.EngineEmbed(net, images, n, S), actual) <= 1e-4, $"batch {n}");
        }
    }

    [Fact]
    public void The_checkpoint_metadata_and_the_preprocessing_are_in_the_model()
    {
        var given = TestModels.CheckpointMetadata("resnet50");
        var bytes = OnnxExporter.ToBytes(TestModels.Reduced("resnet50"),
            new OnnxExportOptions { ImageSize = S, IncludePreprocessing = true, Metadata = given, ProducerVersion = "9.8.7" });
        using var session = TestModels.Session(bytes);
        var meta = session.ModelMetadata;
        Assert.Equal("metrix", meta.ProducerName);
        var map = meta.CustomMetadataMap;
        foreach (var (key, value) in given) Assert.Equal(value, map[key]);
        Assert.Equal("resnet50", map["export.architecture"]);
        Assert.Equal("8", map["export.body_width"]);
        Assert.Equal("24", map["export.embedding_size"]);
        Assert.Equal("1", map["export.l2_normalize"]);
        Assert.Equal("64", map["export.image_size"]);
        Assert.Equal(ImageTransforms.EvalResize(S).ToString(System.Globalization.CultureInfo.InvariantCulture), map["export.resize_shorter_side"]);
        Assert.Equal(OnnxExporter.PixelsInput, map["export.input"]);
        Assert.Equal("1", map["export.preprocessing_in_graph"]);
        Assert.Equal("0.485,0.456,0.406", map["export.normalize_mean"]);
        Assert.Equal("0.229,0.224,0.225", map["export.normalize_std"]);
        Assert.Contains("shorter side to 73", meta.Description, StringComparison.Ordinal);
        Assert.Contains("centre-crop 64×64", meta.Description, StringComparison.Ordinal);
        Assert.Contains("uint8 RGB", meta.Description, StringComparison.Ordinal);
        Assert.Equal("9.8.7", ModelProto.Parser.ParseFrom(bytes).ProducerVersion);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(224)]
    [InlineData(227)]
    public void The_documented_resize_side_is_the_evaluation_pipelines(int size) =>
        Assert.Equal(ImageTransforms.EvalResize(size), OnnxExporter.ResizeSide(size));

    [Theory]
    [InlineData(13)]
    [InlineData(18)]
    public void Other_opsets_run_in_the_runtime_with_the_same_embeddings(int opset)
    {
        const int n = 3;
        var net = TestModels.Reduced("resnet18");
        var bytes = OnnxExporter.ToBytes(net, new OnnxExportOptions { ImageSize = S, Opset = opset });
        Assert.Equal(opset, Assert.Single(ModelProto.Parser.ParseFrom(bytes).OpsetImport).Version);
        using var session = TestModels.Session(bytes);
        var images = TestModels.Normalise(TestModels.EmojiPixels(n, S), n, S);
        Assert.True(TestModels.MaxAbsDifference(TestModels.EngineEmbed(net, images, n, S), TestModels.RunFloat(session, images, n, S)) <= 1e-4);
    }

    [Fact]
    public void Export_to_a_path_writes_the_file_whole_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        var net = TestModels.Reduced("resnet18");
        var options = new OnnxExportOptions { ImageSize = S };
        File.WriteAllText(dir["model.onnx"], "previous content");
        OnnxExporter.Export(net, options, dir["model.onnx"]);
        Assert.Equal(OnnxExporter.ToBytes(net, options), File.ReadAllBytes(dir["model.onnx"]));
        Assert.Equal(["model.onnx"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }
}
