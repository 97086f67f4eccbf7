using System.CommandLine;
using System.Globalization;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix train</c>: every flag of the release's main.py with the same name and meaning, so a command of
/// the authors' README runs with <c>metrix train</c> in place of <c>python3 main.py</c>, plus our extras in
/// the same style. With no flags it trains Metrix/feature with the multi-similarity loss on the embedded emoji set.
/// </summary>
public sealed class TrainCommand : Command
{
    private static readonly GivenTrainOptions Release = new();
    private static readonly TrainDefaults Emoji = TrainDefaults.Emoji, Paper = TrainDefaults.Release;

    private readonly Option<int> _seed = Flags.Int("seed", "Random seed; every draw of the run derives from it", Release.Seed);
    private readonly Option<DatasetKind?> _dataset = Flags.Choice(SettingChoices.Dataset, $"Dataset: {SettingChoices.Dataset.List} (folder: DATA_ROOT/<class>/<image>)", Release.Dataset);
    private readonly Option<string> _dataRoot = Flags.Text("data_root", "Folder holding the datasets in their distributed layouts", Release.DataRoot);
    private readonly Option<Backbone?> _model = Flags.OptionalChoice(SettingChoices.Model, $"Backbone: {SettingChoices.Model.List} {DatasetDefault(d => SettingChoices.Model.NameOf(d.Model))}");
    private readonly Option<int?> _batchSize = Flags.OptionalInt("batch_size", $"Images per batch; under mpiexec the global batch, shared by the processes {DatasetDefault(d => d.BatchSize)}");
    private readonly Option<int> _numWorkers = Flags.Int("num_workers", "Background threads preparing batches", Release.NumWorkers);
    private readonly Option<int?> _embeddingSize = Flags.OptionalInt("embedding_size", $"Embedding width {DatasetDefault(d => d.EmbeddingSize)}");
    private readonly Option<Toggle?> _bnFreeze = Flags.OptionalBool("bn_freeze", $"1: BatchNorm of the body frozen (eval mode, affine not trained); 0: trained {DatasetDefault(d => d.BnFreeze ? 1 : 0)}");
    private readonly Option<Toggle> _overlapComm = Flags.Bool("overlap_comm", "Under mpiexec: sum each layer's gradients over the processes while the backward pass computes the earlier layers' (as PyTorch DDP); off: all after the pass. The sums are the same either way; bare, or true/false/1/0/on/off", Release.OverlapComm, bare: true);
    private readonly Option<Toggle> _syncBn = Flags.Bool("sync_bn", "Under mpiexec with trained BatchNorm (--bn_freeze 0): batch statistics over all processes' images, so the run equals one process's; off: each process's own images (as PyTorch DDP); bare, or true/false/1/0/on/off", Release.SyncBn, bare: true);
    private readonly Option<Toggle> _l2Norm = Flags.Bool("l2_norm", "1: L2-normalise embeddings; 0: not", Release.L2Norm, bare: false);
    private readonly Option<int?> _numEpochs = Flags.OptionalInt("num_epochs", $"Epochs {DatasetDefault(d => d.NumEpochs)}");
    private readonly Option<int?> _gpuId = Flags.OptionalInt("gpu_id", "Accepted for compatibility with the release; unused (this engine runs on the CPU)");
    private readonly Option<int?> _warm = Flags.OptionalInt("warm", $"Epochs training only the embedding layer and loss parameters {DatasetDefault(d => d.Warm)}");
    private readonly Option<int?> _lrDecayStep = Flags.OptionalInt("lr_decay_step", $"StepLR step in epochs {DatasetDefault(d => d.LrDecayStep)}");
    private readonly Option<double> _lrDecayGamma = Flags.Double("lr_decay_gamma", "StepLR factor", Release.LrDecayGamma);
    private readonly Option<LrScheduleKind?> _lrSchedule = Flags.OptionalChoice(SettingChoices.LrSchedule, $"Learning-rate schedule: step (StepLR by --lr_decay_step and --lr_decay_gamma) or cosine (annealed to zero over --num_epochs) {DatasetDefault(d => SettingChoices.LrSchedule.NameOf(d.LrSchedule))}");
    private readonly Option<double?> _cropScale = Flags.OptionalDouble("crop_scale", $"Smallest training crop as a fraction of the image's area (RandomResizedCrop scale (crop_scale, 1)) {DatasetDefault(d => d.CropScale)}");
    private readonly Option<string> _saveRoot = Flags.Text("save_root", "Where run directories are created", Release.SaveRoot);
    private readonly Option<double?> _lr = Flags.OptionalDouble("lr", $"Learning rate; proxies train at 100× {DatasetDefault(d => d.Lr)}");
    private readonly Option<double> _weightDecay = Flags.Double("weight_decay", "Weight decay", Release.WeightDecay);
    private readonly Option<Metrix.Losses.LossKind?> _loss = Flags.OptionalChoice(SettingChoices.Loss, $"Loss: {SettingChoices.Loss.List} {DatasetDefault(d => SettingChoices.Loss.NameOf(d.Loss))}");
    private readonly Option<int?> _imagesPerClass = Flags.OptionalInt("images_per_class", $"Images of each class in a balanced batch (sop, inshop, emoji) {DatasetDefault(d => d.ImagesPerClass)}");
    private readonly Option<Toggle> _saveModel = Flags.Bool("save_model", "Keep the best checkpoint by Recall@1; bare, or true/false/1/0/on/off (the last checkpoint is always kept)", Release.SaveModel, bare: true);
    private readonly Option<Metrix.Mixup.MixMode?> _mode = Flags.Choice(SettingChoices.Mode, $"Mixup: {SettingChoices.Mode.List} (feature is Metrix)", Release.Mode);
    private readonly Option<double> _alpha = Flags.Double("alpha", "Mixing factor λ ~ Beta(alpha, alpha)", Release.Alpha);
    private readonly Option<int?> _imageSize = Flags.OptionalInt("image_size", $"Training crop side in pixels {DatasetDefault(d => d.ImageSize)}");
    private readonly Option<string?> _pretrained = Flags.OptionalText("pretrained", $"Backbone weights: none, imagenet (torchvision's, downloaded once), or a .pth/.safetensors path {DatasetDefault(d => d.Pretrained)}");
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads of each process (0 = all cores; under mpiexec, the machine's cores divided among its processes)", Release.Threads);
    private readonly Option<int> _maxSteps = Flags.Int("max_steps", "Cap on steps per epoch (0 = no cap)", Release.MaxSteps);
    private readonly Option<int?> _evalEvery = Flags.OptionalInt("eval_every", $"Evaluate every N epochs (and after the last) {DatasetDefault(d => d.EvalEvery)}");
    private readonly Option<string?> _resume = Flags.OptionalText("resume", "Continue the run in this directory from its last checkpoint");
    private readonly Option<PairSets> _pairs = Flags.Pairs($"Mixing pair sets, comma-separated, one drawn per iteration: {SettingChoices.Pairs.List}", Release.Pairs);
    private readonly Option<double> _mixWeight = Flags.Double("mix_weight", "Mixup strength w in E = loss + w·mixed loss", Release.MixWeight);
    private readonly Option<int> _hardNegatives = Flags.Int("hard_negatives", "Hardest negatives per anchor mixed by input mixup", Release.HardNegatives);
    private readonly Option<string?> _minerEpsilon = MinerFlag.Create($"Pair mining of multi-similarity with this epsilon, 0 to 2, or off; pair losses only (default with --loss multisimilarity: {Miner(Emoji)} for emoji, {Miner(Paper)} otherwise, as the release; other losses: off)");
    private readonly Option<OptimizerKind?> _optimizer = Flags.OptionalChoice(SettingChoices.Optimizer, $"Optimiser: {SettingChoices.Optimizer.List} {DatasetDefault(d => SettingChoices.Optimizer.NameOf(d.Optimizer))}");
    private readonly Option<int> _valClasses = Flags.Int("val_classes", "Hold this many training classes out and evaluate on them (0 = evaluate on the test split)", Release.ValClasses);
    private readonly Option<string?> _runName = Flags.OptionalText("run_name", "Name of the run directory under --save_root (default: dataset_model_loss_mode_sSEED_time)");

    /// <summary>The command; <paramref name="loop"/> runs the training once the options are resolved and the run directory is ready.</summary>
    public TrainCommand(TrainLoop loop)
        : base("train", "Train an embedding network. Takes the flags of the release's main.py; with none, trains Metrix (feature mixup) with the multi-similarity loss on the embedded emoji set. "
            + "On many processes or machines: mpiexec -n N [-hosts a,b | -f hostfile] metrix train … runs one data-parallel rank per process; every flag means what it means for one process "
            + "(--batch_size is the global batch), the dataset must be at the same --data_root on every machine, and rank 0 alone writes the run directory and the progress.")
    {
        foreach (var option in new Option[]
                 {
                     _seed, _dataset, _dataRoot, _model, _batchSize, _numWorkers, _embeddingSize, _bnFreeze, _syncBn, _overlapComm, _l2Norm, _numEpochs,
                     _gpuId, _warm, _lrDecayStep, _lrDecayGamma, _lrSchedule, _cropScale, _saveRoot, _lr, _weightDecay, _loss, _imagesPerClass, _saveModel,
                     _mode, _alpha, _imageSize, _pretrained, _threads, _maxSteps, _evalEvery, _resume, _pairs, _mixWeight,
                     _hardNegatives, _minerEpsilon, _optimizer, _valClasses, _runName,
                 })
            Options.Add(option);
        CommandRunner.SetAction(this, (parse, context) => Execute(parse, context, loop));
    }

    /// <summary>The options as given (dataset-dependent ones still null; see <see cref="GivenTrainOptions.Resolve"/>).</summary>
    public GivenTrainOptions Bind(ParseResult parse) => MinerFlag.Apply(new()
    {
        Seed = parse.GetValue(_seed),
        Dataset = parse.GetValue(_dataset) ?? Release.Dataset,
        DataRoot = parse.GetValue(_dataRoot)!,
        Model = parse.GetValue(_model),
        BatchSize = parse.GetValue(_batchSize),
        NumWorkers = parse.GetValue(_numWorkers),
        EmbeddingSize = parse.GetValue(_embeddingSize),
        BnFreeze = parse.GetValue(_bnFreeze)?.On,
        L2Norm = parse.GetValue(_l2Norm).On,
        SyncBn = parse.GetValue(_syncBn).On,
        OverlapComm = parse.GetValue(_overlapComm).On,
        NumEpochs = parse.GetValue(_numEpochs),
        GpuId = parse.GetValue(_gpuId) ?? 0,
        Warm = parse.GetValue(_warm),
        LrDecayStep = parse.GetValue(_lrDecayStep),
        LrDecayGamma = parse.GetValue(_lrDecayGamma),
        LrSchedule = parse.GetValue(_lrSchedule),
        CropScale = parse.GetValue(_cropScale),
        SaveRoot = parse.GetValue(_saveRoot)!,
        Lr = parse.GetValue(_lr),
        WeightDecay = parse.GetValue(_weightDecay),
        Loss = parse.GetValue(_loss),
        ImagesPerClass = parse.GetValue(_imagesPerClass),
        SaveModel = parse.GetValue(_saveModel).On,
        Mode = parse.GetValue(_mode) ?? Release.Mode,
        Alpha = parse.GetValue(_alpha),
        ImageSize = parse.GetValue(_imageSize),
        Pretrained = parse.GetValue(_pretrained),
        Threads = parse.GetValue(_threads),
        MaxSteps = parse.GetValue(_maxSteps),
        EvalEvery = parse.GetValue(_evalEvery),
        Resume = parse.GetValue(_resume),
        Pairs = parse.GetValue(_pairs)!,
        MixWeight = parse.GetValue(_mixWeight),
        HardNegatives = parse.GetValue(_hardNegatives),
        Optimizer = parse.GetValue(_optimizer),
        ValClasses = parse.GetValue(_valClasses),
        RunName = parse.GetValue(_runName),
    }, parse.GetValue(_minerEpsilon));

    private int Execute(ParseResult parse, CommandContext context, TrainLoop loop)
    {
        var (run, options) = DistributedStart.Start(Bind(parse), DateTime.Now, context.Communicator);
        if (parse.GetValue(_gpuId) is { } gpu)
            context.Output.WriteLine($"note: --gpu_id {gpu} is accepted for compatibility and unused; this engine runs on the CPU");
        if (Interactive(context))
            LiveProgress.Run(Spectre.Console.AnsiConsole.Console, observer => loop(options, run, observer, context.Cancellation));
        else
            loop(options, run, new PlainProgress(context.Output), context.Cancellation);
        return ExitCodes.Success;
    }

    /// <summary>A live display only when writing to the real console and it is a terminal.</summary>
    private static bool Interactive(CommandContext context) =>
        ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    private static string Miner(TrainDefaults d) => d.MinerEpsilon is double e ? e.ToString(CultureInfo.InvariantCulture) : "off";

    private static string DatasetDefault<T>(Func<TrainDefaults, T> value) => string.Create(CultureInfo.InvariantCulture,
        $"(default: {value(Emoji)} for emoji, {value(Paper)} otherwise)");
}
