using System.Security.Cryptography;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Loading;

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

    private static TrainResult Train(GivenTrainOptions options)
    {
        var (run, resolved) = RunDirectory.Start(options, DateTime.Now);
        return Trainer.Run(resolved, run, SilentObserver.Instance);
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
        var resumed = Trainer.Run(resolved, run, SilentObserver.Instance);

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
    private static IReadOnlyDictionary<string, Tensor> Weights(string run, string file = RunDirectory.LastFile) =>
        Checkpoint.ModelSection(Checkpoint.Load(Path.Combine(run, file)), "loss.", "optimizer.");

    /// <summary>Resumes the run in <paramref name="path"/> after changing its stored configuration.</summary>
    private static TrainResult Resume(string path, Func<TrainOptions, TrainOptions> change)
    {
        var stored = RunDirectory.Open(path);
        stored.WriteConfig(change(stored.ReadConfig()));
        var (run, resolved) = RunDirectory.Start(new GivenTrainOptions { Resume = path, Threads = 2, NumWorkers = 2 }, DateTime.Now);
        return Trainer.Run(resolved, run, SilentObserver.Instance);
    }

    /// <summary>
    /// --warm 1: during the first epoch only the embedding layer (and loss parameters) train, so the body's
    /// parameters in the checkpoint are still the initial ones (the network built from the run's seed); with
    /// --warm 0 they move in the same epoch.
    /// </summary>
    [Fact]
    public void Warm_keeps_the_body_at_its_initial_weights_for_the_first_epochs()
    {
        var options = Tiny("warm", 1) with { BnFreeze = true };
        var resolved = options.Resolve();
        var initial = new EmbeddingNet(resolved.ModelName, resolved.EmbeddingSize, resolved.L2Norm, new Rng(SeedMixer.Mix((ulong)resolved.Seed, 0)));
        var body = new HashSet<Tensor>(initial.BodyParameters(), ReferenceEqualityComparer.Instance);
        var named = initial.NamedParameters().ToList();
        Assert.Contains(named, p => body.Contains(p.Tensor));

        var warm = Weights(Train(options).Run.Path);
        var cold = Weights(Train(Tiny("cold", 1) with { BnFreeze = true, Warm = 0 }).Run.Path);
        foreach (var (name, tensor) in named)
        {
            bool inBody = body.Contains(tensor), frozenBn = name.Contains("bn", StringComparison.Ordinal) || name.Contains("downsample.1", StringComparison.Ordinal);
            if (inBody)
                Assert.True(tensor.Span.SequenceEqual(warm[name].Span), $"{name} of the body moved during the warm-up epoch");
            else
                Assert.False(tensor.Span.SequenceEqual(warm[name].Span), $"{name} of the head did not train during the warm-up epoch");
            if (inBody && !frozenBn && name.EndsWith("weight", StringComparison.Ordinal))
                Assert.False(tensor.Span.SequenceEqual(cold[name].Span), $"{name} did not train without --warm");
        }
    }

    /// <summary>
    /// A loss that turns NaN stops the run with <see cref="DivergedException"/> naming the epoch and the last good
    /// checkpoint, which stays byte for byte as it was, with the log of the epochs before. The divergence is forced
    /// by resuming a good run at a learning rate of 1e30, under the contrastive loss, which drops terms that are not
    /// > 0 and so dropped NaN ones: the run used to go on to the evaluation and fail there on NaN embeddings.
    /// </summary>
    [Fact]
    public void A_diverging_loss_stops_the_run_and_keeps_the_last_good_checkpoint()
    {
        var first = Train(Tiny("diverge", 1));
        string path = first.Run.Path, last = Path.Combine(path, RunDirectory.LastFile), best = Path.Combine(path, RunDirectory.BestFile);
        byte[] lastBefore = SHA256.HashData(File.ReadAllBytes(last)), bestBefore = SHA256.HashData(File.ReadAllBytes(best));
        string logBefore = File.ReadAllText(Path.Combine(path, RunDirectory.LogFile));

        var e = Assert.Throws<DivergedException>(() => Resume(path, o => o with { NumEpochs = 3, Lr = 1e30 }));
        Assert.Equal(1, e.Epoch);
        Assert.Contains(last, e.Message);
        Assert.Equal(lastBefore, SHA256.HashData(File.ReadAllBytes(last)));
        Assert.Equal(bestBefore, SHA256.HashData(File.ReadAllBytes(best)));
        Assert.Equal(logBefore, File.ReadAllText(Path.Combine(path, RunDirectory.LogFile)));
        Assert.All(Weights(path).Values, t => Assert.True(t.Span.ToArray().All(float.IsFinite)));
        Assert.False(File.Exists(Path.Combine(path, RunLock.OwnerFile)), "the run lock was not released");
    }

    /// <summary>
    /// best.safetensors is the checkpoint of the epoch with the highest Recall@1, and only Recall@1 decides. The
    /// logged figures the resumed run compares with are rewritten: an earlier epoch claiming Recall@1 = 100 (and
    /// every other figure 0) keeps its best checkpoint against a new epoch; earlier epochs claiming Recall@1 = 0
    /// (and every other figure 100) lose it to the new epoch.
    /// </summary>
    [Fact]
    public void The_best_checkpoint_is_the_epoch_of_highest_recall_at_one()
    {
        string path = Train(Tiny("best", 1)).Run.Path, best = Path.Combine(path, RunDirectory.BestFile);
        Assert.Equal("0", Checkpoint.Load(best).Metadata["epoch"]);
        byte[] bestBefore = SHA256.HashData(File.ReadAllBytes(best));

        Rewrite(path, r1: 100, others: 0);
        var second = Resume(path, o => o with { NumEpochs = 2 });
        Assert.True(second.Log[1].Recall!["1"] < 100);
        Assert.Equal("0", Checkpoint.Load(best).Metadata["epoch"]);
        Assert.Equal(bestBefore, SHA256.HashData(File.ReadAllBytes(best)));
        Assert.Equal(0, second.Best!.Epoch);

        Rewrite(path, r1: 0, others: 100);
        var third = Resume(path, o => o with { NumEpochs = 3 });
        Assert.True(third.Log[2].Recall!["1"] > 0, "the test needs an epoch with Recall@1 above 0");
        Assert.Equal("2", Checkpoint.Load(best).Metadata["epoch"]);
        Assert.Equal(2, third.Best!.Epoch);
    }

    /// <summary>Sets Recall@1 of every logged epoch to <paramref name="r1"/> and its other recalls and MAP@R to <paramref name="others"/>.</summary>
    private static void Rewrite(string path, double r1, double others)
    {
        var run = RunDirectory.Open(path);
        run.WriteLog(run.ReadLog().Select(r => r with
        {
            Recall = r.Recall!.ToDictionary(p => p.Key, p => p.Key == "1" ? r1 : others),
            MapAtR = others,
        }).ToList());
    }
}
