using Metrix.Losses;
using Metrix.Mixup;

namespace Metrix.Training;

/// <summary>
/// The settings of a training run as given: what the user said on the command line (or what a run's
/// <c>config.json</c> holds), every flag of the release's main.py with the same name (snake_case in JSON and
/// on the command line) and meaning, plus our extras. Settings whose default depends on the dataset are null
/// when not given; the others carry the release's default. <see cref="Resolve"/> turns them into the
/// <see cref="TrainOptions"/> a run trains with.
/// </summary>
public sealed record GivenTrainOptions
{
    /// <summary>--dataset (default: the embedded emoji set).</summary>
    public DatasetKind Dataset { get; init; } = DatasetKind.Emoji;

    /// <summary>--data_root: the folder holding the datasets in their distributed layouts.</summary>
    public string DataRoot { get; init; } = "./datasets";

    /// <summary>--save_root: where run directories are created.</summary>
    public string SaveRoot { get; init; } = "./runs";

    /// <summary>--model (default: the dataset's).</summary>
    public Backbone? Model { get; init; }

    /// <summary>--batch_size: images per training batch (default: the dataset's).</summary>
    public int? BatchSize { get; init; }

    /// <summary>--num_workers: background threads preparing batches.</summary>
    public int NumWorkers { get; init; } = 4;

    /// <summary>--embedding_size: embedding width D (default: the dataset's).</summary>
    public int? EmbeddingSize { get; init; }

    /// <summary>--bn_freeze: every BatchNorm of the body in eval mode with frozen affine parameters (default: the dataset's).</summary>
    public bool? BnFreeze { get; init; }

    /// <summary>--l2_norm: L2-normalise embeddings.</summary>
    public bool L2Norm { get; init; } = true;

    /// <summary>--sync_bn: under <c>mpiexec</c>, trained BatchNorm takes its statistics over the whole global batch (default: each process's own rows).</summary>
    public bool SyncBn { get; init; }

    /// <summary>--overlap_comm: under <c>mpiexec</c>, sum the gradients during the backward pass (default) or after it.</summary>
    public bool OverlapComm { get; init; } = true;

    /// <summary>--num_epochs (default: the dataset's).</summary>
    public int? NumEpochs { get; init; }

    /// <summary>--gpu_id: accepted for compatibility; unused on this CPU engine.</summary>
    public int GpuId { get; init; }

    /// <summary>--warm: epochs training only the embedding layer and the loss parameters (default: the dataset's).</summary>
    public int? Warm { get; init; }

    /// <summary>--lr_decay_step: StepLR step in epochs (default: the dataset's).</summary>
    public int? LrDecayStep { get; init; }

    /// <summary>--lr_schedule (default: the dataset's).</summary>
    public LrScheduleKind? LrSchedule { get; init; }

    /// <summary>--crop_scale: the smallest area of a training crop, as a fraction of the image (default: the dataset's).</summary>
    public double? CropScale { get; init; }

    /// <summary>--lr_decay_gamma: StepLR factor.</summary>
    public double LrDecayGamma { get; init; } = 0.1;

    /// <summary>--lr: base learning rate (default: the dataset's).</summary>
    public double? Lr { get; init; }

    /// <summary>--weight_decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>--loss (default: the dataset's).</summary>
    public LossKind? Loss { get; init; }

    /// <summary>--images_per_class: images of each class in a balanced batch (default: the dataset's).</summary>
    public int? ImagesPerClass { get; init; }

    /// <summary>--save_model: keep the best checkpoint by Recall@1.</summary>
    public bool SaveModel { get; init; } = true;

    /// <summary>--mode: where mixup happens (Metrix/feature by default).</summary>
    public MixMode Mode { get; init; } = MixMode.Feature;

    /// <summary>--alpha: λ ~ Beta(α, α).</summary>
    public double Alpha { get; init; } = 2.0;

    /// <summary>--seed: every random draw of the run derives from it.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>--image_size: side of the training crop in pixels (default: the dataset's).</summary>
    public int? ImageSize { get; init; }

    /// <summary>--pretrained: <c>none</c>, <c>imagenet</c> or a weights file (default: the dataset's).</summary>
    public string? Pretrained { get; init; }

    /// <summary>--threads: compute threads (0 = all cores).</summary>
    public int Threads { get; init; }

    /// <summary>--max_steps: cap on steps per epoch (0 = no cap).</summary>
    public int MaxSteps { get; init; }

    /// <summary>--eval_every: evaluate every N epochs and after the last (default: the dataset's).</summary>
    public int? EvalEvery { get; init; }

    /// <summary>--resume: a run directory to continue from its last checkpoint.</summary>
    public string? Resume { get; init; }

    /// <summary>--pairs: the mixing pair sets.</summary>
    public PairSets Pairs { get; init; } = PairSets.Default;

    /// <summary>--mix_weight: w in E = ℓ + w·ℓ̃.</summary>
    public double MixWeight { get; init; } = 0.4;

    /// <summary>--hard_negatives: k hardest negatives per anchor for input mixup.</summary>
    public int HardNegatives { get; init; } = 3;

    /// <summary>
    /// --miner_epsilon: multi-similarity pair mining with this ε (null: the dataset's default, which applies to the
    /// multi-similarity loss only; see <see cref="NoMiner"/>).
    /// </summary>
    public double? MinerEpsilon { get; init; }

    /// <summary>--miner_epsilon off: no mining whatever the dataset's default.</summary>
    public bool NoMiner { get; init; }

    /// <summary>--optimizer (default: the dataset's).</summary>
    public OptimizerKind? Optimizer { get; init; }

    /// <summary>--val_classes: training classes held out as a validation split (0 = evaluate on the test split).</summary>
    public int ValClasses { get; init; }

    /// <summary>--run_name: the run directory's name under save_root (default: from the settings and the time).</summary>
    public string? RunName { get; init; }

    /// <summary>The defaults of the dataset (<see cref="DatasetDescriptor.Defaults"/>) filled into every setting left null, unchecked.</summary>
    public TrainOptions WithDefaults()
    {
        var d = DatasetDescriptors.For(Dataset).Defaults;
        return new TrainOptions
        {
            Dataset = Dataset,
            DataRoot = DataRoot,
            SaveRoot = SaveRoot,
            Model = Model ?? d.Model,
            BatchSize = BatchSize ?? d.BatchSize,
            NumWorkers = NumWorkers,
            EmbeddingSize = EmbeddingSize ?? d.EmbeddingSize,
            BnFreeze = BnFreeze ?? d.BnFreeze,
            L2Norm = L2Norm,
            SyncBn = SyncBn,
            OverlapComm = OverlapComm,
            NumEpochs = NumEpochs ?? d.NumEpochs,
            GpuId = GpuId,
            Warm = Warm ?? d.Warm,
            LrDecayStep = LrDecayStep ?? d.LrDecayStep,
            LrSchedule = LrSchedule ?? d.LrSchedule,
            CropScale = CropScale ?? d.CropScale,
            LrDecayGamma = LrDecayGamma,
            Lr = Lr ?? d.Lr,
            WeightDecay = WeightDecay,
            Loss = Loss ?? d.Loss,
            ImagesPerClass = ImagesPerClass ?? d.ImagesPerClass,
            SaveModel = SaveModel,
            Mode = Mode,
            Alpha = Alpha,
            Seed = Seed,
            ImageSize = ImageSize ?? d.ImageSize,
            Pretrained = Pretrained ?? d.Pretrained,
            Threads = Threads,
            MaxSteps = MaxSteps,
            EvalEvery = EvalEvery ?? d.EvalEvery,
            Resume = Resume,
            Pairs = Pairs,
            MixWeight = MixWeight,
            HardNegatives = HardNegatives,
            MinerEpsilon = NoMiner ? null : MinerEpsilon ?? ((Loss ?? d.Loss) == LossKind.MultiSimilarity ? d.MinerEpsilon : null),
            Optimizer = Optimizer ?? d.Optimizer,
            ValClasses = ValClasses,
            RunName = RunName,
        };
    }

    /// <summary>Fills the dataset's defaults and checks every value (throws <see cref="OptionException"/> naming the first bad flag).</summary>
    public TrainOptions Resolve()
    {
        var resolved = WithDefaults();
        resolved.Validate();
        return resolved;
    }
}
