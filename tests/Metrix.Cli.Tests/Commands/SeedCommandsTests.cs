using Metrix.Testing;
using Metrix.Training;

namespace Metrix.Cli.Tests;

/// <summary>
/// The 18 training commands of the authors' README parse with <c>metrix train</c> in place of <c>python3 main.py</c>
/// into the release's settings, and run end to end on tiny datasets in their layouts.
/// </summary>
public sealed class SeedCommandsTests
{
    private const string Cub = "--dataset cub --data_root /path/to/datasets/ --save_root /path/to/output/";
    private const string Cars = "--dataset cars --data_root /path/to/datasets/ --save_root /path/to/output/";
    private const string Common = "--batch_size 100 --num_workers 4 --embedding_size 512";

    /// <summary>What a seed command sets: dataset, epochs, lr, decay step, gamma, warm, bn_freeze, loss, mode, images per class, data root.</summary>
    public sealed record Expected(string Dataset, int Epochs, double Lr, int DecayStep, double Gamma, int Warm, bool BnFreeze,
        string Loss, string Mode, int ImagesPerClass, string DataRoot);

    // (command after "python3 main.py", what it sets)
    public static TheoryData<string, Expected> Commands => new()
    {
        // Baseline contrastive
        { $"{Cub} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_gamma 0.1 --loss contrastive --mode baseline --alpha 2.0 --save_model True", new("cub", 60, 1e-4, 10, 0.1, 5, true, "contrastive", "baseline", 5, "/path/to/datasets/") },
        { $"{Cars} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_gamma 0.1 --loss contrastive --mode baseline --alpha 2.0 --save_model True", new("cars", 60, 1e-4, 10, 0.1, 5, true, "contrastive", "baseline", 5, "/path/to/datasets/") },
        { $"--dataset sop {Common} --num_epochs 60 --lr 3e-5 --lr_decay_gamma 0.25 --bn_freeze 0 --loss contrastive --images_per_class 5 --mode baseline --alpha 2.0 --save_model True", new("sop", 60, 3e-5, 10, 0.25, 5, false, "contrastive", "baseline", 5, "./datasets") },
        { $"--dataset sop {Common} --num_epochs 60 --lr 3e-5 --lr_decay_step 5 --lr_decay_gamma 0.25 --warm 1 --bn_freeze 0 --loss contrastive --images_per_class 5 --mode baseline --alpha 2.0 --save_model True", new("sop", 60, 3e-5, 5, 0.25, 1, false, "contrastive", "baseline", 5, "./datasets") },
        // Contrastive + Metrix
        { $"{Cub} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_gamma 0.1 --loss contrastive --mode feature --alpha 2.0 --save_model True", new("cub", 60, 1e-4, 10, 0.1, 5, true, "contrastive", "feature", 5, "/path/to/datasets/") },
        { $"{Cars} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_gamma 0.1 --loss contrastive --mode feature --alpha 2.0 --save_model", new("cars", 60, 1e-4, 10, 0.1, 5, true, "contrastive", "feature", 5, "/path/to/datasets/") },
        { $"--dataset sop --data_root /path/to/datasets/ --save_root /path/to/output/ {Common} --num_epochs 60 --lr 3e-5 --lr_decay_gamma 0.25 --loss contrastive --images_per_class 5 --mode feature --alpha 2.0 --save_model", new("sop", 60, 3e-5, 10, 0.25, 5, true, "contrastive", "feature", 5, "/path/to/datasets/") },
        { $"--dataset inshop --data_root /path/to/datasets/ --save_root /path/to/output/ {Common} --num_epochs 60 --lr 1e-4 --lr_decay_gamma 0.25 --loss contrastive --images_per_class 5 --mode feature --alpha 2.0 --save_model", new("inshop", 60, 1e-4, 10, 0.25, 5, true, "contrastive", "feature", 5, "/path/to/datasets/") },
        // Baseline multi-similarity
        { $"{Cub} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_step 5 --lr_decay_gamma 0.5 --loss multisimilarity --mode baseline --alpha 2.0 --save_model", new("cub", 60, 1e-4, 5, 0.5, 5, true, "multisimilarity", "baseline", 5, "/path/to/datasets/") },
        { $"{Cars} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_step 5 --lr_decay_gamma 0.5 --loss multisimilarity --mode baseline --alpha 2.0 --save_model", new("cars", 60, 1e-4, 5, 0.5, 5, true, "multisimilarity", "baseline", 5, "/path/to/datasets/") },
        { $"--dataset sop --data_root /path/to/datasets/ --save_root /path/to/output/ {Common} --num_epochs 60 --lr 6e-4 --lr_decay_step 20 --lr_decay_gamma 0.25 --warm 1 --images_per_class 5 --bn_freeze 0 --loss multisimilarity --mode baseline --alpha 2.0 --save_model", new("sop", 60, 6e-4, 20, 0.25, 1, false, "multisimilarity", "baseline", 5, "/path/to/datasets/") },
        { $"--dataset inshop --data_root /path/to/datasets/ --save_root /path/to/output/ {Common} --num_epochs 60 --lr 6e-4 --lr_decay_step 20 --lr_decay_gamma 0.25 --warm 1 --images_per_class 5 --bn_freeze 0 --loss multisimilarity --mode baseline --alpha 2.0 --save_model", new("inshop", 60, 6e-4, 20, 0.25, 1, false, "multisimilarity", "baseline", 5, "/path/to/datasets/") },
        // Multi-similarity + Metrix
        { $"{Cub} {Common} --num_epochs 100 --lr 1e-4 --lr_decay_gamma 0.5 --loss multisimilarity --mode feature --alpha 2.0 --save_model", new("cub", 100, 1e-4, 10, 0.5, 5, true, "multisimilarity", "feature", 5, "/path/to/datasets/") },
        // Baseline proxy anchor
        { $"{Cub} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_step 5 --lr_decay_gamma 0.5 --loss proxyanchor --mode baseline --alpha 2.0 --save_model", new("cub", 60, 1e-4, 5, 0.5, 5, true, "proxyanchor", "baseline", 5, "/path/to/datasets/") },
        { $"{Cars} {Common} --num_epochs 60 --lr 1e-4 --lr_decay_step 5 --lr_decay_gamma 0.5 --loss proxyanchor --mode baseline --alpha 2.0 --save_model", new("cars", 60, 1e-4, 5, 0.5, 5, true, "proxyanchor", "baseline", 5, "/path/to/datasets/") },
        { $"--dataset sop --data_root /path/to/datasets/ --save_root /path/to/output/ {Common} --num_epochs 60 --lr 6e-4 --lr_decay_step 20 --lr_decay_gamma 0.25 --warm 1 --images_per_class 5 --bn_freeze 0 --loss proxyanchor --mode baseline --alpha 2.0 --save_model", new("sop", 60, 6e-4, 20, 0.25, 1, false, "proxyanchor", "baseline", 5, "/path/to/datasets/") },
        { $"--dataset inshop --data_root /path/to/datasets/ --save_root /path/to/output/ {Common} --num_epochs 60 --lr 6e-4 --lr_decay_step 20 --lr_decay_gamma 0.25 --warm 1 --images_per_class 5 --bn_freeze 0 --loss proxyanchor --mode baseline --alpha 2.0 --save_model", new("inshop", 60, 6e-4, 20, 0.25, 1, false, "proxyanchor", "baseline", 5, "/path/to/datasets/") },
        // Proxy anchor + Metrix
        { $"{Cub} {Common} --num_epochs 100 --lr 1e-4 --lr_decay_gamma 0.5 --loss proxyanchor --mode feature --alpha 2.0 --save_model", new("cub", 100, 1e-4, 10, 0.5, 5, true, "proxyanchor", "feature", 5, "/path/to/datasets/") },
    };

    [Fact]
    public void There_are_eighteen_seed_commands() => Assert.Equal(18, Commands.Count);

    [Theory]
    [MemberData(nameof(Commands))]
    public void Seed_command_parses_into_the_release_settings(string command, Expected e)
    {
        var (dataset, epochs, lr, decayStep, gamma, warm, bnFreeze, loss, mode, imagesPerClass, dataRoot) = e;
        var o = CliRun.ParseTrain(CliRun.Words(command)).Resolve();

        Assert.Equal(dataset, o.DatasetName);
        Assert.Equal(dataRoot, o.DataRoot);
        Assert.Equal(100, o.BatchSize);
        Assert.Equal(4, o.NumWorkers);
        Assert.Equal(512, o.EmbeddingSize);
        Assert.Equal(epochs, o.NumEpochs);
        Assert.Equal(lr, o.Lr);
        Assert.Equal(decayStep, o.LrDecayStep);
        Assert.Equal(gamma, o.LrDecayGamma);
        Assert.Equal(warm, o.Warm);
        Assert.Equal(bnFreeze, o.BnFreeze);
        Assert.Equal(loss, o.LossName);
        Assert.Equal(mode, o.ModeName);
        Assert.Equal(imagesPerClass, o.ImagesPerClass);
        Assert.Equal(2.0, o.Alpha);
        Assert.True(o.SaveModel);
        Assert.True(o.L2Norm);
        Assert.Equal(1, o.Seed);
        // The release's fixed choices: ResNet-50 from ImageNet weights at 224 px, Adam, weight decay 1e-4.
        Assert.Equal("resnet50", o.ModelName);
        Assert.Equal("imagenet", o.Pretrained);
        Assert.Equal(224, o.ImageSize);
        Assert.Equal(OptimizerKind.Adam, o.Optimizer);
        Assert.Equal(1e-4, o.WeightDecay);
    }

    // A run appends to the command's own words (a repeated flag keeps its last value, as with argparse) where
    // the data and the run go, temporary folders (two sop commands name none), and the size of the run:
    // ResNet-18 from scratch at 32 px (the smallest accepted) with 16-d embeddings instead of ResNet-50 from
    // ImageNet weights at 224 px (no download; building ResNet-18 is then most of a run's second), 2 epochs of
    // one step, one loader and one compute thread, and a batch the tiny data holds (FakeData). The loss, mode,
    // alpha, learning rate, StepLR, warm-up, BatchNorm freezing, images per class and --save_model stay the
    // command's. In 2 epochs the commands with --warm 1 also train the body; the others (warm 5) train the
    // embedding layer and the loss parameters only.
    private const string Small = "--model resnet18 --pretrained none --image_size 32 --embedding_size 16 --num_epochs 2 --max_steps 1 --num_workers 1 --threads 1";
    private const int Epochs = 2;

    [Theory]
    [MemberData(nameof(Commands))]
    public void Seed_command_runs_on_data_in_its_layout(string command, Expected e)
    {
        using var data = new TempDirectory("metrix-seed-data-");
        using var save = new TempDirectory("metrix-seed-runs-");
        int batchSize = FakeData(e.Dataset, data.Path);

        var (code, _, error) = CliRun.Run(["train", .. CliRun.Words(command), "--data_root", data.Path, "--save_root", save.Path,
            .. CliRun.Words(Small), "--batch_size", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.True(code == ExitCodes.Success, error);
        var run = RunDirectory.Open(Assert.Single(Directory.GetDirectories(save.Path), d => Path.GetFileName(d) != ".cache"));
        var o = run.ReadConfig();
        Assert.Equal((e.Dataset, data.Path, batchSize), (o.DatasetName, o.DataRoot, o.BatchSize));
        Assert.Equal((e.Loss, e.Mode, 2.0), (o.LossName, o.ModeName, o.Alpha));
        Assert.Equal((e.Lr, e.DecayStep, e.Gamma, e.Warm, e.BnFreeze, e.ImagesPerClass, true), (o.Lr, o.LrDecayStep, o.LrDecayGamma, o.Warm, o.BnFreeze, o.ImagesPerClass, o.SaveModel));

        Assert.Equal(Epochs, File.ReadAllLines(run.LogPath).Count(line => line.Length > 0));
        var log = run.ReadLog();
        Assert.Equal(Enumerable.Range(0, Epochs), log.Select(r => r.Epoch));
        foreach (var r in log)
        {
            Assert.True(double.IsFinite(r.Loss) && double.IsFinite(r.CleanLoss), $"epoch {r.Epoch}: loss {r.Loss}, clean {r.CleanLoss}");
            Assert.True(r.ImagesPerSecond > 0, $"epoch {r.Epoch} trained no batch");
            // Every decay step is at least 5 epochs, so the learning rate is still the command's.
            Assert.Equal(e.Lr, r.Lr);
            // The release evaluates every epoch.
            Assert.NotNull(r.Recall);
            if (e.Mode == "baseline") Assert.Null(r.MixedLoss);
            else Assert.True(r.MixedLoss is { } m && double.IsFinite(m), $"epoch {r.Epoch}: mixed loss {r.MixedLoss}");
        }
        Assert.True(File.Exists(run.LastCheckpoint), "last.safetensors");
        Assert.True(File.Exists(run.BestCheckpoint), "best.safetensors (--save_model)");
    }

    /// <summary>Writes a tiny <paramref name="dataset"/> under <paramref name="dataRoot"/>; returns the batch size the runs use on it.</summary>
    private static int FakeData(string dataset, string dataRoot)
    {
        switch (dataset)
        {
            case "cub":
                // 150 training images of 100 classes: the command's batch of 100 holds pairs of one class,
                // without which Metrix has nothing to mix.
                FakeDatasets.Cub(dataRoot);
                return 100;
            case "cars":
                // The committed annotation file lists 4 training images; Cars batches are shuffled, not
                // class-balanced, so images_per_class does not apply.
                FakeDatasets.Cars(dataRoot);
                return 4;
            case "sop":
                // Balanced batches of 2 classes × the command's 5 images; 100 (20 classes) would double the run.
                FakeDatasets.Sop(dataRoot, classes: 4, imagesPerClass: 5);
                return 10;
            default:
                // As sop.
                FakeDatasets.InShop(dataRoot, items: 4, imagesPerItem: 5);
                return 10;
        }
    }
}
