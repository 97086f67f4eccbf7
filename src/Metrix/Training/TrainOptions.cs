using System.Globalization;
using System.Text.Json.Serialization;
using Metrix.Losses;
using Metrix.Mixup;

namespace Metrix.Training;

/// <summary>
/// The settings of a training run: every flag of the release's main.py with the same name (snake_case in
/// JSON and on the command line) and meaning, plus our extras. Options left null take a dataset-dependent
/// default from <see cref="TrainDefaults"/> in <see cref="Resolve"/>; the others carry the release's default.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>Accepted <c>--dataset</c> values; <c>folder</c> is an image folder <c>DATA_ROOT/&lt;class&gt;/&lt;image&gt;</c>.</summary>
    public static IReadOnlyList<string> Datasets { get; } = ["emoji", "cub", "cars", "sop", "inshop", "folder"];

    /// <summary>Accepted <c>--model</c> values.</summary>
    public static IReadOnlyList<string> Models { get; } = ["resnet18", "resnet34", "resnet50", "resnet101"];

    /// <summary>Accepted <c>--mode</c> values.</summary>
    public static IReadOnlyList<string> Modes { get; } = ["baseline", "input", "feature", "embed"];

    /// <summary>Accepted <c>--optimizer</c> values.</summary>
    public static IReadOnlyList<string> Optimizers { get; } = ["adam", "adamw", "sgd"];

    /// <summary>Accepted <c>--lr_schedule</c> values.</summary>
    public static IReadOnlyList<string> LrSchedules { get; } = ["step", "cosine"];

    /// <summary>Accepted <c>--pairs</c> entries.</summary>
    public static IReadOnlyList<string> PairNames { get; } = ["posneg", "ancneg", "pospos", "negneg"];

    /// <summary>--dataset: emoji (embedded, the default), cub, cars, sop, inshop or folder.</summary>
    public string Dataset { get; init; } = "emoji";

    /// <summary>--data_root: the folder holding the datasets in their distributed layouts.</summary>
    public string DataRoot { get; init; } = "./datasets";

    /// <summary>--save_root: where run directories are created.</summary>
    public string SaveRoot { get; init; } = "./runs";

    /// <summary>--model: resnet18, resnet34, resnet50 or resnet101.</summary>
    public string? Model { get; init; }

    /// <summary>--batch_size: images per training batch.</summary>
    public int? BatchSize { get; init; }

    /// <summary>--num_workers: background threads preparing batches.</summary>
    public int NumWorkers { get; init; } = 4;

    /// <summary>--embedding_size: embedding width D.</summary>
    public int? EmbeddingSize { get; init; }

    /// <summary>--bn_freeze: every BatchNorm of the body in eval mode with frozen affine parameters.</summary>
    public bool? BnFreeze { get; init; }

    /// <summary>--l2_norm: L2-normalise embeddings.</summary>
    public bool L2Norm { get; init; } = true;

    /// <summary>--num_epochs.</summary>
    public int? NumEpochs { get; init; }

    /// <summary>--gpu_id: accepted for compatibility; unused on this CPU engine.</summary>
    public int GpuId { get; init; }

    /// <summary>--warm: the first <c>warm</c> epochs train only the embedding layer and the loss parameters.</summary>
    public int? Warm { get; init; }

    /// <summary>--lr_decay_step: StepLR step in epochs.</summary>
    public int? LrDecayStep { get; init; }

    /// <summary>--lr_schedule: step (StepLR by <c>lr_decay_step</c> and <c>lr_decay_gamma</c>, the release) or cosine (annealed to zero over the run).</summary>
    public string? LrSchedule { get; init; }

    /// <summary>--crop_scale: the smallest area of a training crop, as a fraction of the image (RandomResizedCrop's scale = (crop_scale, 1)).</summary>
    public double? CropScale { get; init; }

    /// <summary>--lr_decay_gamma: StepLR factor, lr ← γ·lr every <c>lr_decay_step</c> epochs.</summary>
    public double LrDecayGamma { get; init; } = 0.1;

    /// <summary>--lr: base learning rate (proxies train at 100×).</summary>
    public double? Lr { get; init; }

    /// <summary>--weight_decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>--loss: one of <see cref="LossFactory.Names"/>.</summary>
    public string Loss { get; init; } = "contrastive";

    /// <summary>--images_per_class: images of each class in a balanced batch.</summary>
    public int? ImagesPerClass { get; init; }

    /// <summary>--save_model: keep the best checkpoint by Recall@1 (the last one is always kept, for --resume).</summary>
    public bool SaveModel { get; init; } = true;

    /// <summary>--mode: baseline, input, feature (Metrix, the default) or embed.</summary>
    public string Mode { get; init; } = "feature";

    /// <summary>--alpha: λ ~ Beta(α, α).</summary>
    public double Alpha { get; init; } = 2.0;

    /// <summary>--seed: every random draw of the run derives from it.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>--image_size: side of the training crop in pixels (evaluation resizes to size·256/224, then crops).</summary>
    public int? ImageSize { get; init; }

    /// <summary>--pretrained: <c>none</c>, <c>imagenet</c> (torchvision's weights, downloaded once) or a <c>.pth</c>/<c>.safetensors</c> path.</summary>
    public string? Pretrained { get; init; }

    /// <summary>--threads: compute threads (0 = all cores).</summary>
    public int Threads { get; init; }

    /// <summary>--max_steps: cap on steps per epoch (0 = no cap).</summary>
    public int MaxSteps { get; init; }

    /// <summary>--eval_every: evaluate every N epochs (and after the last).</summary>
    public int? EvalEvery { get; init; }

    /// <summary>--resume: a run directory to continue from its last checkpoint.</summary>
    public string? Resume { get; init; }

    /// <summary>--pairs: comma-separated mixing pair sets; each iteration draws one uniformly.</summary>
    public string Pairs { get; init; } = "posneg,ancneg";

    /// <summary>--mix_weight: w in E = ℓ + w·ℓ̃.</summary>
    public double MixWeight { get; init; } = 0.4;

    /// <summary>--hard_negatives: k hardest negatives per anchor for input mixup.</summary>
    public int HardNegatives { get; init; } = 3;

    /// <summary>--optimizer: adam (the release), adamw or sgd.</summary>
    public string? Optimizer { get; init; }

    /// <summary>--val_classes: hold this many training classes out as a validation split and evaluate there (0 = the test split).</summary>
    public int ValClasses { get; init; }

    /// <summary>--run_name: the run directory's name under save_root (default: from the settings and the time).</summary>
    public string? RunName { get; init; }

    /// <summary>The defaults of <see cref="TrainDefaults.For"/> filled into every option left null.</summary>
    public TrainOptions WithDefaults()
    {
        var d = TrainDefaults.For(Dataset);
        return this with
        {
            Model = Model ?? d.Model,
            BatchSize = BatchSize ?? d.BatchSize,
            EmbeddingSize = EmbeddingSize ?? d.EmbeddingSize,
            BnFreeze = BnFreeze ?? d.BnFreeze,
            NumEpochs = NumEpochs ?? d.NumEpochs,
            Warm = Warm ?? d.Warm,
            LrDecayStep = LrDecayStep ?? d.LrDecayStep,
            Lr = Lr ?? d.Lr,
            ImagesPerClass = ImagesPerClass ?? d.ImagesPerClass,
            ImageSize = ImageSize ?? d.ImageSize,
            Optimizer = Optimizer ?? d.Optimizer,
            Pretrained = Pretrained ?? d.Pretrained,
            EvalEvery = EvalEvery ?? d.EvalEvery,
            LrSchedule = LrSchedule ?? d.LrSchedule,
            CropScale = CropScale ?? d.CropScale,
        };
    }

    /// <summary>Fills the dataset-dependent defaults and validates every value (throws <see cref="OptionException"/>).</summary>
    public TrainOptions Resolve()
    {
        var resolved = WithDefaults();
        resolved.Validate();
        return resolved;
    }

    /// <summary>The mixup settings (mode, pair sets, α, w, hard negatives).</summary>
    [JsonIgnore]
    public MixupOptions Mixup => new(MixupOptions.ParseMode(Mode), PairList, Alpha, MixWeight, HardNegatives);

    /// <summary>--pairs as pair sets.</summary>
    [JsonIgnore]
    public IReadOnlyList<PairSet> PairList => SplitPairs(Pairs).Select(MixPlan.Parse).ToList();

    /// <summary>Whether batches are class-balanced (SOP, In-Shop, emoji) rather than shuffled with the last incomplete batch dropped (CUB, Cars, folders).</summary>
    [JsonIgnore]
    public bool Balanced => Dataset is "sop" or "inshop" or "emoji";

    /// <summary>
    /// Throws <see cref="OptionException"/> naming the first bad flag, its value and what it accepts.
    /// Options still null (see <see cref="Resolve"/>) are not checked.
    /// </summary>
    public void Validate()
    {
        OneOf("dataset", Dataset, Datasets);
        if (Model is not null) OneOf("model", Model, Models);
        OneOf("loss", Loss, LossFactory.Names);
        OneOf("mode", Mode, Modes);
        if (Optimizer is not null) OneOf("optimizer", Optimizer, Optimizers);
        if (LrSchedule is not null) OneOf("lr_schedule", LrSchedule, LrSchedules);
        Check(CropScale is null || CropScale is > 0 and <= 1, "crop_scale", CropScale, "a number in (0, 1]");
        Check(BatchSize is null or >= 2, "batch_size", BatchSize, "an integer ≥ 2");
        Check(ImagesPerClass is null or >= 1, "images_per_class", ImagesPerClass, "a positive integer");
        if (Balanced && BatchSize is { } b && ImagesPerClass is { } k)
            Check(b % k == 0 && b / k >= 2, "images_per_class", k, $"a divisor of --batch_size {b} leaving at least 2 classes per batch");
        Check(EmbeddingSize is null or >= 1, "embedding_size", EmbeddingSize, "a positive integer");
        Check(NumEpochs is null or >= 1, "num_epochs", NumEpochs, "a positive integer");
        Check(Warm is null or >= 0, "warm", Warm, "an integer ≥ 0");
        Check(LrDecayStep is null or >= 1, "lr_decay_step", LrDecayStep, "a positive integer");
        Check(Lr is null || (double.IsFinite(Lr.Value) && Lr > 0), "lr", Lr, "a positive number");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, "weight_decay", WeightDecay, "a number ≥ 0");
        Check(double.IsFinite(LrDecayGamma) && LrDecayGamma > 0, "lr_decay_gamma", LrDecayGamma, "a positive number");
        Check(double.IsFinite(Alpha) && Alpha > 0, "alpha", Alpha, "a positive number");
        Check(double.IsFinite(MixWeight) && MixWeight >= 0, "mix_weight", MixWeight, "a number ≥ 0");
        Check(HardNegatives >= 1, "hard_negatives", HardNegatives, "a positive integer");
        Check(ImageSize is null or >= 32, "image_size", ImageSize, "an integer ≥ 32");
        Check(Threads >= 0, "threads", Threads, "an integer ≥ 0 (0 = all cores)");
        Check(NumWorkers >= 0, "num_workers", NumWorkers, "an integer ≥ 0");
        Check(MaxSteps >= 0, "max_steps", MaxSteps, "an integer ≥ 0 (0 = no cap)");
        Check(EvalEvery is null or >= 1, "eval_every", EvalEvery, "a positive integer");
        Check(ValClasses >= 0, "val_classes", ValClasses, "an integer ≥ 0");
        Check(GpuId >= -1, "gpu_id", GpuId, "an integer ≥ -1 (unused on the CPU)");
        var pairs = SplitPairs(Pairs);
        Check(pairs.Length > 0 && pairs.All(PairNames.Contains), "pairs", Pairs,
            $"a comma-separated list of {string.Join(", ", PairNames)}");
        if (Pretrained is not null) CheckPretrained(Pretrained);
        if (Resume is not null && !File.Exists(Path.Combine(Resume, RunDirectory.ConfigFile)))
            throw new OptionException("resume", $"--resume: '{Resume}' is not a run directory (no {RunDirectory.ConfigFile} in it)");
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

    private static string[] SplitPairs(string pairs) =>
        pairs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void OneOf(string flag, string value, IReadOnlyList<string> accepted)
    {
        if (!accepted.Contains(value))
            throw new OptionException(flag, $"--{flag}: invalid value '{value}'; accepted: {string.Join(", ", accepted)}");
    }

    private static void Check(bool ok, string flag, object? value, string accepted)
    {
        if (!ok)
            throw new OptionException(flag, string.Create(CultureInfo.InvariantCulture, $"--{flag}: invalid value '{value}'; expected {accepted}"));
    }
}
