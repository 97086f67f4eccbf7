using Metrix.Training;

namespace Metrix.Cli.Tests;

/// <summary>The 18 training commands of the authors' README parse with <c>metrix train</c> in place of <c>python3 main.py</c>.</summary>
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

        Assert.Equal(dataset, o.Dataset);
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
        Assert.Equal(loss, o.Loss);
        Assert.Equal(mode, o.Mode);
        Assert.Equal(imagesPerClass, o.ImagesPerClass);
        Assert.Equal(2.0, o.Alpha);
        Assert.True(o.SaveModel);
        Assert.True(o.L2Norm);
        Assert.Equal(1, o.Seed);
        // The release's fixed choices: ResNet-50 from ImageNet weights at 224 px, Adam, weight decay 1e-4.
        Assert.Equal("resnet50", o.Model);
        Assert.Equal("imagenet", o.Pretrained);
        Assert.Equal(224, o.ImageSize);
        Assert.Equal("adam", o.Optimizer);
        Assert.Equal(1e-4, o.WeightDecay);
    }
}
