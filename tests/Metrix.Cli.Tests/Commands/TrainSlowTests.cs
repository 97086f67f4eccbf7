using System.Globalization;
using System.Text.Json;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Xunit.Abstractions;

namespace Metrix.Cli.Tests;

/// <summary>
/// The long checks, not in CI (<c>dotnet test Metrix.slnx -c Release --filter Category=Slow</c>, see
/// CONTRIBUTING): the main job as the Quick start runs it, and the release's default path (ResNet-50 from a
/// weights file at 224 px) through <c>metrix train</c>.
/// </summary>
[Trait("Category", "Slow")]
public sealed class TrainSlowTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _root = new("metrix-slow-");

    public void Dispose() => _root.Dispose();

    /// <summary>
    /// <c>metrix train</c> with no flags (the Quick start; about nine minutes on two cores): Metrix/feature with the
    /// multi-similarity loss on the embedded emoji set must reach Recall@1 ≥ 68.2 on its 953 test classes.
    /// </summary>
    [Fact]
    public void The_main_job_reaches_recall_at_one_of_68_2()
    {
        var (code, stdout, error) = CliRun.Run("train", "--save_root", _root.Path, "--run_name", "main");
        output.WriteLine(stdout);
        Assert.True(code == 0, error);
        var last = JsonDocument.Parse(File.ReadLines(Path.Combine(_root.Path, "main", RunDirectory.LogFile)).Last()).RootElement;
        double recall = last.GetProperty("recall").GetProperty("1").GetDouble();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"main job: Recall@1 {recall:F2} after epoch {last.GetProperty("epoch").GetInt32() + 1}"));
        Assert.True(recall >= 68.2, $"the main job reached Recall@1 {recall:F2}, below 68.2");
    }

    /// <summary>
    /// The release's defaults (<c>--dataset cub</c>: ResNet-50, <c>--pretrained</c>, 224 px, batches of 20, Adam,
    /// frozen BatchNorm, 5 warm-up epochs, contrastive, Metrix/feature) for two steps, on a CUB-layout folder of
    /// tiny images and a ResNet-50 weights file written for the test (seeded initial weights, torchvision's names).
    /// The file must be loaded in full, and since the body is frozen in the warm-up (and its BatchNorm frozen),
    /// the checkpoint's body must be the file's tensors bit for bit.
    /// </summary>
    [Fact]
    public void The_release_default_path_trains_resnet50_from_a_weights_file_at_224()
    {
        string data = Path.Combine(_root.Path, "data");
        FakeDatasets.Cub(data);
        string weights = Path.Combine(_root.Path, "resnet50.safetensors");
        var body = new ResNet("resnet50", new Rng(7));
        var state = body.StateDict();
        SafeTensors.Write(weights, state);

        var (code, stdout, error) = CliRun.Run("train", "--dataset", "cub", "--data_root", data, "--pretrained", weights,
            "--num_epochs", "1", "--max_steps", "2", "--val_classes", "4", "--save_root", _root.Path, "--run_name", "r50");
        output.WriteLine(stdout);
        Assert.True(code == 0, error);
        Assert.Contains($"pretrained weights: loaded {state.Count} tensors from {weights}", stdout);

        string run = Path.Combine(_root.Path, "r50");
        var config = RunDirectory.Open(run).ReadConfig();
        Assert.Equal(("resnet50", 224, 20, true, 5, "contrastive", "feature"),
            (config.ModelName, config.ImageSize, config.BatchSize, config.BnFreeze, config.Warm, config.LossName, config.ModeName));
        var log = File.ReadAllLines(Path.Combine(run, RunDirectory.LogFile));
        Assert.Single(log);
        var epoch = JsonDocument.Parse(log[0]).RootElement;
        Assert.True(double.IsFinite(epoch.GetProperty("loss").GetDouble()));
        Assert.InRange(epoch.GetProperty("recall").GetProperty("1").GetDouble(), 0, 100);

        var checkpoint = Checkpoint.Load(Path.Combine(run, RunDirectory.LastFile));
        Assert.Equal("resnet50", checkpoint.Metadata["model"]);
        foreach (var (name, tensor) in state)
            Assert.True(tensor.Span.SequenceEqual(checkpoint.Tensors[name].Span), $"{name} differs from the weights file after the warm-up steps");
    }
}
