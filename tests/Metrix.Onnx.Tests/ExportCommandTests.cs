using Metrix.Cli;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Onnx.Tests;

/// <summary>A full-width ResNet-18 checkpoint written once for the command tests (the command builds width-64 networks).</summary>
public sealed class CheckpointFile : IDisposable
{
    private readonly TempDirectory _dir = new("metrix-export-");

    /// <summary>Writes the checkpoint: random weights, BatchNorm statistics drawn away from their initial values.</summary>
    public CheckpointFile()
    {
        var rng = new Rng(5);
        Model = new EmbeddingNet("resnet18", 16, true, rng);
        foreach (var bn in Model.Body.BatchNorms)
        {
            rng.FillNormal(bn.RunningMean.Span, 0, 0.1);
            rng.FillUniform(bn.RunningVar.Span, 0.5, 1.5);
            rng.FillUniform(bn.Weight.Span, 0.5, 1.5);
        }
        Model.Eval();
        Metadata = new Dictionary<string, string>
        {
            ["format"] = "metrix-checkpoint-1",
            ["model"] = "resnet18",
            ["embedding_size"] = "16",
            ["l2_norm"] = "1",
            ["image_size"] = "64",
            ["dataset"] = "emoji",
            ["loss"] = "multisimilarity",
            ["mode"] = "feature",
            ["seed"] = "3",
            ["epoch"] = "12",
            ["train_classes"] = "953",
        };
        Checkpoint.Save(Path, Model, Metadata);
    }

    /// <summary>The network saved.</summary>
    public EmbeddingNet Model { get; }

    /// <summary>The checkpoint's metadata.</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>The checkpoint's path.</summary>
    public string Path => _dir["ckpt.safetensors"];

    /// <summary>A path in the same temporary directory.</summary>
    public string this[string name] => _dir[name];

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();
}

/// <summary><c>metrix export</c> on a checkpoint: the file ONNX Runtime reads, and the errors of bad input.</summary>
public sealed class ExportCommandTests(CheckpointFile checkpoint) : IClassFixture<CheckpointFile>
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Export_with_every_flag_writes_a_model_onnx_runtime_runs_with_the_checkpoints_embeddings() =>
        ExportAndCompare(preprocessing: true);

    // A full-width export costs seconds (the command builds and loads a ResNet-18 of 11.7 M parameters); the
    // default flags are covered by the library tests, so this one runs with the slow checks.
    [Fact]
    [Trait("Category", "Slow")]
    public void Export_with_default_flags_writes_a_model_onnx_runtime_runs_with_the_checkpoints_embeddings() =>
        ExportAndCompare(preprocessing: false);

    private void ExportAndCompare(bool preprocessing)
    {
        // With preprocessing the export also sets --image_size and --opset.
        int s = preprocessing ? 96 : 64, opset = preprocessing ? 13 : 17;
        string output = checkpoint[preprocessing ? "pixels.onnx" : "images.onnx"];
        string[] flags = preprocessing ? ["--include_preprocessing", "--image_size", "96", "--opset", "13"] : [];
        var (code, _, error) = Run(["export", "--checkpoint", checkpoint.Path, "--out", output, .. flags]);
        Assert.True(code == 0, error);
        Assert.Contains("wrote " + output, error, StringComparison.Ordinal);
        const int n = 2;
        var pixels = TestModels.EmojiPixels(n, s, first: 11);
        var images = TestModels.Normalise(pixels, n, s);
        var bytes = File.ReadAllBytes(output);
        Assert.Equal(opset, Assert.Single(Metrix.Onnx.Proto.ModelProto.Parser.ParseFrom(bytes).OpsetImport).Version);
        using var session = TestModels.Session(bytes);
        Assert.Equal(preprocessing ? [-1, s, s, 3] : new[] { -1, 3, s, s },
            session.InputMetadata[preprocessing ? OnnxExporter.PixelsInput : OnnxExporter.ImagesInput].Dimensions);
        var actual = preprocessing ? TestModels.RunBytes(session, pixels, n, s) : TestModels.RunFloat(session, images, n, s);
        Assert.True(TestModels.MaxAbsDifference(TestModels.EngineEmbed(checkpoint.Model, images, n, s), actual) <= 1e-4);
        var map = session.ModelMetadata.CustomMetadataMap;
        foreach (var (key, value) in checkpoint.Metadata) Assert.Equal(value, map[key]);
        Assert.Equal(s.ToString(System.Globalization.CultureInfo.InvariantCulture), map["export.image_size"]);
        Assert.Equal("64", map["image_size"]);
        Assert.Equal("64", map["export.body_width"]);
        Assert.Equal(preprocessing ? "1" : "0", map["export.preprocessing_in_graph"]);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_named_in_one_line_and_nothing_is_written()
    {
        string corrupt = checkpoint["corrupt.safetensors"], output = checkpoint["corrupt.onnx"];
        var head = new byte[4096];
        using (var f = File.OpenRead(checkpoint.Path)) f.ReadExactly(head);
        File.WriteAllBytes(corrupt, head); // a download cut short
        var (code, _, error) = Run("export", "--checkpoint", corrupt, "--out", output);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(corrupt, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_checkpoint_of_an_unknown_architecture_is_refused_naming_the_file()
    {
        string other = checkpoint["vit.safetensors"];
        var meta = new Dictionary<string, string>(checkpoint.Metadata) { ["model"] = "vit_b16" };
        Checkpoint.Save(other, checkpoint.Model, meta);
        var (code, _, error) = Run("export", "--checkpoint", other, "--out", checkpoint["vit.onnx"]);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains(other, error, StringComparison.Ordinal);
        Assert.Contains("vit_b16", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void A_checkpoint_without_running_statistics_is_refused_naming_the_file_and_the_layer()
    {
        // BatchNorm without running statistics could only normalise with batch statistics: not exportable.
        string partial = checkpoint["no_stats.safetensors"];
        SafeTensors.Write(partial, checkpoint.Model.StateDict().Where(kv => kv.Key != "layer2.1.bn2.running_var"), checkpoint.Metadata);
        var (code, _, error) = Run("export", "--checkpoint", partial, "--out", checkpoint["no_stats.onnx"]);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains(partial, error, StringComparison.Ordinal);
        Assert.Contains("layer2.1.bn2.running_var", error, StringComparison.Ordinal);
        Assert.False(File.Exists(checkpoint["no_stats.onnx"]));
    }

    [Theory]
    [InlineData("--opset", "19", "--opset")]
    [InlineData("--image_size", "8", "--image_size")]
    public void Bad_flag_values_are_usage_errors(string flag, string value, string named)
    {
        var (code, _, error) = Run("export", "--checkpoint", checkpoint.Path, "--out", checkpoint["bad.onnx"], flag, value);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_must_be_an_onnx_file_and_the_checkpoint_must_exist()
    {
        var (code, _, error) = Run("export", "--checkpoint", checkpoint.Path, "--out", checkpoint["model.bin"]);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--out", error, StringComparison.Ordinal);
        (code, _, error) = Run("export", "--checkpoint", checkpoint["missing.safetensors"], "--out", checkpoint["m.onnx"]);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("missing.safetensors", error, StringComparison.Ordinal);
    }
}
