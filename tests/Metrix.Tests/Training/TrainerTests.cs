using Metrix.Nn;
using Metrix.Training;

namespace Metrix.Tests;

/// <summary>
/// The training loop end to end on the embedded emoji set with tiny settings (ResNet-18 at 32 px, batches
/// of 8, two steps per epoch, 12 validation classes): resume continues exactly, a seed gives the same
/// numbers, the run directory holds what DESIGN §5 lists.
/// </summary>
public sealed class TrainerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "metrix-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private GivenTrainOptions Tiny(string name, int epochs, string mode = "feature", string loss = "contrastive") => new()
    {
        SaveRoot = _root,
        RunName = name,
        NumEpochs = epochs,
        ImageSize = 32,
        BatchSize = 8,
        ImagesPerClass = 4,
        MaxSteps = 2,
        ValClasses = 12,
        EvalEvery = 1,
        Threads = 2,
        NumWorkers = 2,
        Mode = SettingChoices.Mode.Parse(mode),
        Loss = SettingChoices.Loss.Parse(loss),
        LrDecayStep = 1,
        Warm = 1,
        Seed = 3,
    };

    private sealed class Quiet : ITrainingObserver
    {
        public void RunStart(TrainOptions options, RunDirectory run) { }
        public void Message(string text) { }
        public void EpochStart(int epoch, int epochs, int steps) { }
        public void Step(int epoch, int step, int steps, double loss, double imagesPerSecond) { }
        public void EpochEnd(EpochRecord record) { }
        public void RunEnd(TrainResult result) { }
    }

    private static TrainResult Train(GivenTrainOptions options)
    {
        var (run, resolved) = RunDirectory.Start(options, DateTime.Now);
        return Trainer.Run(resolved, run, new Quiet());
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameWeightsAndLog()
    {
        var straight = Train(Tiny("straight", 3));
        Train(Tiny("split", 2));
        // Resume "split" for a third epoch: the config is read back, only the epoch count differs.
        var splitDir = Path.Combine(_root, "split");
        var config = RunDirectory.Open(splitDir);
        config.WriteConfig(config.ReadConfig() with { NumEpochs = 3 });
        var (run, resolved) = RunDirectory.Start(new GivenTrainOptions { Resume = splitDir, Threads = 2, NumWorkers = 2 }, DateTime.Now);
        var resumed = Trainer.Run(resolved, run, new Quiet());

        Assert.Equal(straight.Log.Select(r => r.Loss), resumed.Log.Select(r => r.Loss));
        Assert.Equal(straight.Log.Select(r => r.Recall!["1"]), resumed.Log.Select(r => r.Recall!["1"]));
        var a = Checkpoint.Load(Path.Combine(_root, "straight", RunDirectory.LastFile));
        var b = Checkpoint.Load(Path.Combine(splitDir, RunDirectory.LastFile));
        foreach (var (name, tensor) in a.Tensors)
            Assert.True(tensor.Span.SequenceEqual(b.Tensors[name].Span), $"{name} differs after resume");
    }

    [Fact]
    public void TheSameSeedGivesTheSameNumbersAndTheRunDirectoryIsComplete()
    {
        var first = Train(Tiny("a", 1, mode: "input"));
        var second = Train(Tiny("b", 1, mode: "input"));
        Assert.Equal(first.Log[0].Loss, second.Log[0].Loss);
        Assert.Equal(first.Log[0].Recall, second.Log[0].Recall);
        Assert.NotNull(first.Log[0].MixedLoss);
        foreach (var file in new[] { RunDirectory.ConfigFile, RunDirectory.LogFile, RunDirectory.LastFile, RunDirectory.BestFile,
                     RunDirectory.LossPlotFile, RunDirectory.RecallPlotFile, RunDirectory.AnalysisPairsFile })
            Assert.True(File.Exists(Path.Combine(first.Run.Path, file)), $"{file} missing");
        var (model, info) = CheckpointInfo.LoadModel(Path.Combine(first.Run.Path, RunDirectory.BestFile));
        Assert.Equal(("resnet18", 128, 32), (info.Model, info.EmbeddingSize, info.ImageSize));
        Assert.False(model.IsTraining);
    }

    [Theory]
    [InlineData("proxyanchor", "embed")]
    [InlineData("multisimilarity", "baseline")]
    public void OtherLossesAndModesTrain(string loss, string mode)
    {
        var result = Train(Tiny($"{loss}-{mode}", 1, mode, loss));
        Assert.True(double.IsFinite(result.Log[0].Loss));
        Assert.InRange(result.Log[0].Recall!["1"], 0, 100);
    }
}
