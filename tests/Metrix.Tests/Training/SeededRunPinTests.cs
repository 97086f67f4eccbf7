using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Training;

namespace Metrix.Tests;

/// <summary>
/// Short seeded training runs whose per-step losses are pinned, so that restructuring the settings, the
/// training step or the loop cannot move a number. The expected values are the running mean losses the
/// observer saw, produced by the code before the settings and the step became types (commit 509f1e3): these
/// same three runs written with that commit's string-valued options, the values printed with "R". The cases
/// cover the three optimisers, both schedules, <c>--warm</c>, a proxy loss (its parameters at 100× the rate)
/// and the input, feature and embed modes.
/// </summary>
public sealed class SeededRunPinTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "metrix-pin-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private sealed class StepLosses : ITrainingObserver
    {
        public List<double> Means { get; } = [];
        public void RunStart(TrainOptions options, RunDirectory run) { }
        public void Message(string text) { }
        public void EpochStart(int epoch, int epochs, int steps) { }
        public void Step(int epoch, int step, int steps, double loss, double imagesPerSecond) => Means.Add(loss);
        public void EpochEnd(EpochRecord record) { }
        public void RunEnd(TrainResult result) { }
    }

    // Two epochs of three steps of 8 emoji images at 32 px, 12 classes held out and evaluated after the last epoch.
    private static readonly GivenTrainOptions Small = new()
    {
        NumEpochs = 2, ImageSize = 32, BatchSize = 8, ImagesPerClass = 4, MaxSteps = 3, ValClasses = 12, EvalEvery = 2,
        Threads = 2, NumWorkers = 2,
    };

    public static TheoryData<string, double[]> Cases => new()
    {
        { "feature_ms_adamw", [0.5405824184417725, 0.47045379877090454, 0.4392973681290944, 0.3604450225830078, 0.31194472312927246, 0.28671062489350635] },
        { "input_proxyanchor_sgd", [19.93527603149414, 19.223475456237793, 19.843377431233723, 20.50632667541504, 21.57863998413086, 19.597665150960285] },
        { "embed_contrastive_adam", [1.130444049835205, 1.0562202036380768, 1.1421954433123271, 0.9684301018714905, 0.9798281788825989, 1.1057002544403076] },
    };

    private static GivenTrainOptions Case(string name) => name switch
    {
        "feature_ms_adamw" => Small with { Loss = LossKind.MultiSimilarity, Warm = 1, Seed = 5 },
        "input_proxyanchor_sgd" => Small with
        {
            Mode = MixMode.Input,
            Loss = LossKind.ProxyAnchor,
            Optimizer = OptimizerKind.Sgd,
            Model = Backbone.ResNet18,
            Pretrained = "none",
            Warm = 1,
            LrSchedule = LrScheduleKind.Cosine,
            Seed = 7,
        },
        _ => Small with
        {
            Mode = MixMode.Embed,
            Loss = LossKind.Contrastive,
            Optimizer = OptimizerKind.Adam,
            Pairs = PairSets.Parse("pospos,negneg"),
            Warm = 0,
            LrDecayStep = 1,
            Seed = 9,
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_seeded_run_gives_the_same_per_step_losses_as_before(string name, double[] expected)
    {
        var (run, resolved) = RunDirectory.Start(Case(name) with { SaveRoot = _root, RunName = name }, DateTime.Now);
        var observer = new StepLosses();
        Trainer.Run(resolved, run, observer);

        Assert.Equal(expected.Length, observer.Means.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(observer.Means[i] - expected[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])),
                $"{name} step {i}: {observer.Means[i]:R}, before {expected[i]:R}");
    }
}
