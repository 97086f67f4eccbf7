using System.Globalization;
using System.Text.Json.Serialization;
using Metrix.Losses;
using Metrix.Mixup;

namespace Metrix.Training;

/// <summary>
/// The settings a run trains with, every one present: the <see cref="GivenTrainOptions"/> with the dataset's
/// defaults filled in (and, for a resumed run, the settings its <c>config.json</c> holds). This is what
/// <c>config.json</c> stores, keys named as the flags (snake_case) and enumerated values by their flag names.
/// Made by <see cref="GivenTrainOptions.Resolve"/> or read back by <see cref="RunDirectory.ReadConfig"/>.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>--dataset.</summary>
    public required DatasetKind Dataset { get; init; }

    /// <summary>--data_root: the folder holding the datasets in their distributed layouts.</summary>
    public required string DataRoot { get; init; }

    /// <summary>--save_root: where run directories are created.</summary>
    public required string SaveRoot { get; init; }

    /// <summary>--model.</summary>
    public required Backbone Model { get; init; }

    /// <summary>--batch_size: images per training batch.</summary>
    public required int BatchSize { get; init; }

    /// <summary>--num_workers: background threads preparing batches.</summary>
    public required int NumWorkers { get; init; }

    /// <summary>--embedding_size: embedding width D.</summary>
    public required int EmbeddingSize { get; init; }

    /// <summary>--bn_freeze: every BatchNorm of the body in eval mode with frozen affine parameters.</summary>
    public required bool BnFreeze { get; init; }

    /// <summary>--l2_norm: L2-normalise embeddings.</summary>
    public required bool L2Norm { get; init; }

    /// <summary>
    /// --sync_bn: in data-parallel training, trained BatchNorm (<c>--bn_freeze 0</c>) takes its batch statistics over
    /// the whole global batch, so training equals one process's; off, each process normalises with its own rows' statistics
    /// (as PyTorch's DistributedDataParallel does). No effect on one process or with frozen BatchNorm. Absent from older
    /// <c>config.json</c> files: off.
    /// </summary>
    public bool SyncBn { get; init; }

    /// <summary>
    /// --overlap_comm: in data-parallel training, each parameter's gradient is summed over the processes while the backward
    /// pass computes the earlier layers' (on by default; the sums are the same either way). No effect on one process.
    /// </summary>
    public bool OverlapComm { get; init; } = true;

    /// <summary>--num_epochs.</summary>
    public required int NumEpochs { get; init; }

    /// <summary>--gpu_id: accepted for compatibility; unused on this CPU engine.</summary>
    public required int GpuId { get; init; }

    /// <summary>--warm: the first <c>warm</c> epochs train only the embedding layer and the loss parameters.</summary>
    public required int Warm { get; init; }

    /// <summary>--lr_decay_step: StepLR step in epochs.</summary>
    public required int LrDecayStep { get; init; }

    /// <summary>--lr_schedule: StepLR by <c>lr_decay_step</c> and <c>lr_decay_gamma</c> (the release), or cosine annealing to zero over the run.</summary>
    public required LrScheduleKind LrSchedule { get; init; }

    /// <summary>--crop_scale: the smallest area of a training crop, as a fraction of the image (RandomResizedCrop's scale = (crop_scale, 1)).</summary>
    public required double CropScale { get; init; }

    /// <summary>--lr_decay_gamma: StepLR factor, lr ← γ·lr every <c>lr_decay_step</c> epochs.</summary>
    public required double LrDecayGamma { get; init; }

    /// <summary>--lr: base learning rate (loss parameters train at 100×).</summary>
    public required double Lr { get; init; }

    /// <summary>--weight_decay.</summary>
    public required double WeightDecay { get; init; }

    /// <summary>--loss.</summary>
    public required LossKind Loss { get; init; }

    /// <summary>--images_per_class: images of each class in a balanced batch.</summary>
    public required int ImagesPerClass { get; init; }

    /// <summary>--save_model: keep the best checkpoint by Recall@1 (the last one is always kept, for --resume).</summary>
    public required bool SaveModel { get; init; }

    /// <summary>--mode: where mixup happens.</summary>
    public required MixMode Mode { get; init; }

    /// <summary>--alpha: λ ~ Beta(α, α).</summary>
    public required double Alpha { get; init; }

    /// <summary>--seed: every random draw of the run derives from it.</summary>
    public required int Seed { get; init; }

    /// <summary>--image_size: side of the training crop in pixels (evaluation resizes to size·256/224, then crops).</summary>
    public required int ImageSize { get; init; }

    /// <summary>--pretrained: <c>none</c>, <c>imagenet</c> (torchvision's weights, downloaded once) or a <c>.pth</c>/<c>.safetensors</c> path.</summary>
    public required string Pretrained { get; init; }

    /// <summary>--threads: compute threads (0 = all cores).</summary>
    public required int Threads { get; init; }

    /// <summary>--max_steps: cap on steps per epoch (0 = no cap).</summary>
    public required int MaxSteps { get; init; }

    /// <summary>--eval_every: evaluate every N epochs (and after the last).</summary>
    public required int EvalEvery { get; init; }

    /// <summary>--resume: the run directory this run continues, or null for a new run.</summary>
    public required string? Resume { get; init; }

    /// <summary>--pairs: the mixing pair sets; each iteration draws one uniformly.</summary>
    public required PairSets Pairs { get; init; }

    /// <summary>--mix_weight: w in E = ℓ + w·ℓ̃.</summary>
    public required double MixWeight { get; init; }

    /// <summary>--hard_negatives: k hardest negatives per anchor for input mixup.</summary>
    public required int HardNegatives { get; init; }

    /// <summary>--miner_epsilon: multi-similarity pair mining with this ε, or null for none (docs/method.md#pair-mining).</summary>
    public double? MinerEpsilon { get; init; }

    /// <summary>--optimizer.</summary>
    public required OptimizerKind Optimizer { get; init; }

    /// <summary>--val_classes: hold this many training classes out as a validation split and evaluate there (0 = the test split).</summary>
    public required int ValClasses { get; init; }

    /// <summary>--run_name: the run directory's name under save_root (null: from the settings and the time).</summary>
    public required string? RunName { get; init; }

    /// <summary>What the program knows about the dataset (loader, protocol, balanced sampling, defaults).</summary>
    [JsonIgnore]
    public DatasetDescriptor Data => DatasetDescriptors.For(Dataset);

    /// <summary>The mixup settings (mode, pair sets, α, w, hard negatives).</summary>
    [JsonIgnore]
    public MixupOptions Mixup => new(Mode, Pairs.Items, Alpha, MixWeight, HardNegatives, MinerEpsilon);

    /// <summary>The <c>--dataset</c> name (<c>emoji</c>, …).</summary>
    [JsonIgnore]
    public string DatasetName => SettingChoices.Dataset.NameOf(Dataset);

    /// <summary>The <c>--model</c> name (<c>resnet18</c>, …).</summary>
    [JsonIgnore]
    public string ModelName => SettingChoices.Model.NameOf(Model);

    /// <summary>The <c>--loss</c> name (<c>contrastive</c>, …).</summary>
    [JsonIgnore]
    public string LossName => SettingChoices.Loss.NameOf(Loss);

    /// <summary>The <c>--mode</c> name (<c>feature</c>, …).</summary>
    [JsonIgnore]
    public string ModeName => SettingChoices.Mode.NameOf(Mode);

    /// <summary>
    /// Throws <see cref="OptionException"/> naming the first bad flag, its value and what it accepts; the
    /// size settings are bounded above (<see cref="SettingLimits"/>). Also checks that a <c>--pretrained</c>
    /// file and a <c>--resume</c> directory exist.
    /// </summary>
    public void Validate()
    {
        Check(CropScale is > 0 and <= 1, "crop_scale", CropScale, "a number in (0, 1]");
        InRange("batch_size", BatchSize, 2, SettingLimits.MaxBatchSize);
        InRange("images_per_class", ImagesPerClass, 1, SettingLimits.MaxImagesPerClass);
        if (Data.Balanced)
            Check(BatchSize % ImagesPerClass == 0 && BatchSize / ImagesPerClass >= 2, "images_per_class", ImagesPerClass,
                $"a divisor of --batch_size {BatchSize} leaving at least 2 classes per batch");
        InRange("embedding_size", EmbeddingSize, 1, SettingLimits.MaxEmbeddingSize);
        InRange("num_epochs", NumEpochs, 1, SettingLimits.MaxEpochs);
        InRange("warm", Warm, 0, SettingLimits.MaxEpochs);
        InRange("lr_decay_step", LrDecayStep, 1, SettingLimits.MaxEpochs);
        Check(double.IsFinite(Lr) && Lr > 0, "lr", Lr, "a positive number");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, "weight_decay", WeightDecay, "a number ≥ 0");
        Check(double.IsFinite(LrDecayGamma) && LrDecayGamma > 0, "lr_decay_gamma", LrDecayGamma, "a positive number");
        Check(double.IsFinite(Alpha) && Alpha > 0, "alpha", Alpha, "a positive number");
        Check(double.IsFinite(MixWeight) && MixWeight >= 0, "mix_weight", MixWeight, "a number ≥ 0");
        InRange("hard_negatives", HardNegatives, 1, SettingLimits.MaxHardNegatives);
        ValidateMethod();
        InRange("image_size", ImageSize, SettingLimits.MinImageSize, SettingLimits.MaxImageSize);
        InRange("threads", Threads, 0, SettingLimits.MaxThreads, " (0 = all cores)");
        InRange("num_workers", NumWorkers, 0, SettingLimits.MaxWorkers);
        InRange("max_steps", MaxSteps, 0, SettingLimits.MaxSteps, " (0 = no cap)");
        InRange("eval_every", EvalEvery, 1, SettingLimits.MaxEpochs);
        InRange("val_classes", ValClasses, 0, SettingLimits.MaxValClasses);
        Check(GpuId >= -1, "gpu_id", GpuId, "an integer ≥ -1 (unused on the CPU)");
        CheckPretrained(Pretrained);
        if (Resume is not null && !File.Exists(Path.Combine(Resume, RunDirectory.ConfigFile)))
            throw new OptionException("resume", $"--resume: '{Resume}' is not a run directory (no {RunDirectory.ConfigFile} in it)");
    }

    /// <summary>The combinations of mode, loss, pair sets and mining that are defined (docs/method.md).</summary>
    private void ValidateMethod()
    {
        bool proxyLoss = Loss is LossKind.ProxyAnchor or LossKind.ProxyNca or LossKind.ProxyNcaPlusPlus;
        if (MinerEpsilon is double epsilon)
        {
            Check(epsilon >= MultiSimilarityMiner.MinEpsilon && epsilon <= MultiSimilarityMiner.MaxEpsilon, "miner_epsilon", epsilon,
                $"a number from {MultiSimilarityMiner.MinEpsilon} to {MultiSimilarityMiner.MaxEpsilon} (similarities of unit vectors span [-1, 1])");
            if (proxyLoss || Loss == LossKind.Nca)
                throw new OptionException("miner_epsilon",
                    $"--miner_epsilon: pair mining applies to the pair losses (contrastive, multisimilarity, binomial, lifted), not --loss {LossName}");
            if (Mode == MixMode.ProxySynthesis)
                throw new OptionException("miner_epsilon", "--miner_epsilon: proxy synthesis (--mode ps) has no pairs to mine");
        }
        switch (Mode)
        {
            case MixMode.IMix or MixMode.MoChi when proxyLoss:
                throw new OptionException("mode",
                    $"--mode {ModeName}: mixes pairs of examples and needs a pair loss (contrastive, multisimilarity, binomial, lifted, nca), not --loss {LossName}");
            case MixMode.MoChi when Pairs.Items.Any(p => p is not (PairSet.AncNeg or PairSet.NegNeg)):
                throw new OptionException("pairs", $"--pairs: --mode mochi mixes ancneg or negneg pairs (the paper's two MoCHi rows); got {Pairs}");
            case MixMode.MoChi when Pairs.Items.Contains(PairSet.NegNeg) && HardNegatives < 2:
                throw new OptionException("hard_negatives", $"--hard_negatives: --mode mochi with negneg mixes two hard negatives; expected at least 2, got {HardNegatives}");
            case MixMode.ProxySynthesis when Loss != LossKind.ProxyAnchor:
                throw new OptionException("loss", $"--loss: --mode ps (proxy synthesis) is defined with proxyanchor, as in the paper's Table 3; got {LossName}");
        }
    }

    private static void CheckPretrained(string value)
    {
        if (value is "none" or "imagenet") return;
        bool known = value.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)
            || value.EndsWith(".pt", StringComparison.OrdinalIgnoreCase)
            || value.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (!known)
            throw new OptionException("pretrained", $"--pretrained: invalid value '{value}'; accepted: none, imagenet, or a path to a .pth or .safetensors file");
        if (!File.Exists(value))
            throw new OptionException("pretrained", $"--pretrained: file not found: {Path.GetFullPath(value)}");
    }

    private static void InRange(string flag, int value, int min, int max, string note = "") =>
        Check(value >= min && value <= max, flag, value, string.Create(CultureInfo.InvariantCulture, $"an integer from {min} to {max}{note}"));

    private static void Check(bool ok, string flag, object? value, string accepted)
    {
        if (!ok)
            throw new OptionException(flag, string.Create(CultureInfo.InvariantCulture, $"--{flag}: invalid value '{value}'; expected {accepted}"));
    }
}
