using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Distributed;
using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;
using Metrix.Training;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix bench</c>: times whole training steps on random data after warm-up — the trainer's own
/// <see cref="TrainStep"/> (forward, the loss with the Metrix mode's mixing, backward, clipping by value 10,
/// AdamW over the trainer's parameter groups) on the embedding network with frozen BatchNorm and 4 images
/// per class. With <c>--gemm</c> it times the matrix
/// product instead. Prints one JSON object with <c>--json</c>, otherwise a table. Under <c>mpiexec -n N</c> the
/// step is the data-parallel one: <c>--batch_size</c> is the global batch, each rank runs its share, and the
/// figures (rank 0's) add the bytes this rank exchanged per step and the time it spent in the exchanges.
/// </summary>
public sealed class BenchCommand : Command
{
    /// <summary>Images of each class in the benchmark batch (the release's balanced sampler).</summary>
    public const int ImagesPerClass = 4;

    /// <summary>Most timed (or warm-up) steps.</summary>
    public const int MaxSteps = 100_000;

    private readonly Option<Backbone?> _model = Flags.Choice(SettingChoices.Model, $"Backbone: {SettingChoices.Model.List}", Backbone.ResNet18);
    private readonly Option<int> _batchSize = Flags.Int("batch_size", "Images per step", 100);
    private readonly Option<int> _imageSize = Flags.Int("image_size", "Image side in pixels", 64);
    private readonly Option<int> _steps = Flags.Int("steps", "Timed steps", 10);
    private readonly Option<int> _warmup = Flags.Int("warmup", "Untimed steps first", 2);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<MixMode?> _mode = Flags.Choice(SettingChoices.Mode, $"Mixup: {SettingChoices.Mode.List}", MixMode.Baseline);
    private readonly Option<PairSets> _pairs = Flags.Pairs($"Mixing pair sets, comma-separated: {SettingChoices.Pairs.List}", PairSets.Default);
    private readonly Option<LossKind?> _loss = Flags.Choice(SettingChoices.Loss, $"Loss: {SettingChoices.Loss.List}", LossKind.Contrastive);
    private readonly Option<int> _embeddingSize = Flags.Int("embedding_size", "Embedding width", 128);
    private readonly Option<int> _seed = Flags.Int("seed", "Random seed of the weights, images and mixing", 0);
    private readonly Option<bool> _gemm = Flags.Switch("gemm", "Time square GEMMs (512, 1024, 2048) and ResNet-50's convolution products instead of a training step");
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object instead of a table");
    private readonly Option<Toggle> _overlapComm = Flags.Bool("overlap_comm", "Under mpiexec: sum the gradients during the backward pass (default) or, off, after it", true, bare: true);
    private readonly Option<bool> _profile = Flags.Switch("profile", "Also report the time of every operation (forward and backward, per output shape) over the timed steps");

    /// <summary>The command.</summary>
    public BenchCommand()
        : base("bench", "Time training steps (forward, loss, backward, clipping, AdamW) on random data, or GEMM with --gemm.")
    {
        foreach (var option in new Option[] { _model, _batchSize, _imageSize, _steps, _warmup, _threads, _mode, _pairs, _loss, _embeddingSize, _seed, _gemm, _json, _profile, _overlapComm })
            Options.Add(option);
        Subcommands.Add(new LoaderBenchCommand());
        Subcommands.Add(new KnnBenchCommand());
        Subcommands.Add(new IndexBenchCommand());
        Subcommands.Add(new ServeBenchCommand());
        Subcommands.Add(new CommBenchCommand());
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        int threads = parse.GetValue(_threads);
        if (threads is < 0 or > SettingLimits.MaxThreads)
            throw new UsageException($"--threads: invalid value {threads}; expected an integer from 0 to {SettingLimits.MaxThreads} (0 = all cores)");
        var communicator = context.Communicator;
        if (communicator.Size > 1 && parse.GetValue(_gemm))
            throw new UsageException("--gemm times one process's matrix products; run it without mpiexec");
        using var threadScope = Workers.Use(threads != 0 ? threads
            : communicator.Size > 1 ? Communicator.DefaultThreads(communicator) : Environment.ProcessorCount);
        int steps = parse.GetValue(_steps);
        if (steps is < 1 or > MaxSteps) throw new UsageException($"--steps: invalid value {steps}; expected an integer from 1 to {MaxSteps}");
        int warmup = parse.GetValue(_warmup);
        if (warmup is < 0 or > MaxSteps) throw new UsageException($"--warmup: invalid value {warmup}; expected an integer from 0 to {MaxSteps}");
        bool json = parse.GetValue(_json);
        var result = parse.GetValue(_gemm)
            ? GemmBench.Run(steps, warmup)
            : StepBench(parse, steps, warmup, communicator);
        result["threads"] = Workers.Threads;
        result["peak_memory_mb"] = Math.Round(PeakResidentMegabytes(), 1);
        if (json) context.Output.WriteLine(JsonSerializer.Serialize(result));
        else WriteTable(context.Output, result);
        return ExitCodes.Success;
    }

    private Dictionary<string, object> StepBench(ParseResult parse, int steps, int warmup, ICommunicator communicator)
    {
        int size = parse.GetValue(_imageSize);
        if (size is < SettingLimits.MinImageSize or > SettingLimits.MaxImageSize)
            throw new UsageException($"--image_size: invalid value {size}; expected an integer from {SettingLimits.MinImageSize} to {SettingLimits.MaxImageSize} (ResNet reduces by 32)");
        int batchSize = parse.GetValue(_batchSize);
        if (batchSize % ImagesPerClass != 0 || batchSize < 2 * ImagesPerClass)
            throw new UsageException($"--batch_size: invalid value {batchSize}; expected a multiple of {ImagesPerClass} of at least {2 * ImagesPerClass} ({ImagesPerClass} images per class)");
        // The settings of a training run on the embedded set with this command's flags; the step below is the trainer's.
        var options = new GivenTrainOptions
        {
            Model = parse.GetValue(_model) ?? Backbone.ResNet18,
            BatchSize = batchSize,
            ImageSize = size,
            Mode = parse.GetValue(_mode) ?? MixMode.Baseline,
            Pairs = parse.GetValue(_pairs)!,
            Loss = parse.GetValue(_loss) ?? LossKind.Contrastive,
            EmbeddingSize = parse.GetValue(_embeddingSize),
            ImagesPerClass = ImagesPerClass,
            BnFreeze = true,
            Optimizer = OptimizerKind.AdamW,
            Lr = 1e-4,
            Warm = 0,
            Pretrained = "none",
            OverlapComm = parse.GetValue(_overlapComm).On,
        }.Resolve();
        int batch = options.BatchSize, dim = options.EmbeddingSize;
        var rng = new Rng((ulong)parse.GetValue(_seed));

        var timing = new StepTiming();
        var net = new EmbeddingNet(options.ModelName, dim, l2Normalize: true, rng);
        net.FreezeBatchNorm(options.BnFreeze);
        var loss = LossFactory.Create(options.LossName, batch / ImagesPerClass, dim, rng);
        var trainStep = new TrainStep(net, loss, options, group: communicator);
        trainStep.BeginEpoch(0);
        // Every rank draws the same global batch and keeps its shard's rows (all of them on one process).
        var labels = Enumerable.Range(0, batch).Select(i => i / ImagesPerClass).ToArray();
        var shard = trainStep.Shard(labels);
        using var images = TensorScope.Outside(() =>
        {
            var all = rng.Normal([batch, 3, size, size]);
            if (shard.Count == batch) return all;
            int plane = 3 * size * size;
            var mine = Tensor.Empty(shard.Count, 3, size, size);
            all.Span.Slice(shard.Start * plane, shard.Count * plane).CopyTo(mine.Span);
            all.Dispose();
            return mine;
        });
        var mpi = communicator as MpiCommunicator;
        var exchanges = new List<CommunicationStats>();
        long startGc = GC.CollectionCount(0);
        var profile = parse.GetValue(_profile) ? new OpProfile() : null;
        BufferPool.ResetPeak();

        for (int s = 0; s < warmup + steps; s++)
        {
            bool timed = s >= warmup;
            OpProfile.Current = timed ? profile : null;
            OpProfile.Mark();
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var exchangedBefore = mpi?.Stats ?? default;
            var watch = Stopwatch.StartNew();
            double forward, backward;
            using (new TensorScope())
            {
                var run = trainStep.Run(images, labels, rng, clock: watch);
                if (!run.Finite) throw new InvalidOperationException($"the loss became {run.Loss} at step {s}");
                forward = run.ForwardMs;
                backward = run.BackwardMs;
            }
            double total = watch.Elapsed.TotalMilliseconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds;
            if (timed) timing.Add(total, forward, backward, total - forward - backward, cpu);
            if (timed && mpi is not null) exchanges.Add(mpi.Stats - exchangedBefore);
        }

        OpProfile.Current = null;
        double median = timing.Median(t => t.Total);
        var result = new Dictionary<string, object>
        {
            ["benchmark"] = "train_step",
            ["engine"] = "metrix",
            ["model"] = options.ModelName,
            ["batch"] = batch,
            ["size"] = size,
            ["mode"] = options.ModeName,
            ["pairs"] = options.Pairs.ToString(),
            ["loss"] = options.LossName,
            ["steps"] = steps,
            ["warmup"] = warmup,
            ["median_step_ms"] = Math.Round(median, 1),
            ["min_step_ms"] = Math.Round(timing.Min(t => t.Total), 1),
            ["images_per_s"] = Math.Round(batch * 1000.0 / median, 1),
            ["forward_ms"] = Math.Round(timing.Median(t => t.Forward), 1),
            ["backward_ms"] = Math.Round(timing.Median(t => t.Backward), 1),
            ["optimizer_ms"] = Math.Round(timing.Median(t => t.Optimizer), 1),
            ["median_cpu_ms"] = Math.Round(timing.Median(t => t.Cpu), 1),
            ["gc_gen0"] = GC.CollectionCount(0) - startGc,
            ["peak_tensor_mb"] = Math.Round(BufferPool.PeakLiveBytes / 1048576.0, 1),
            ["gemm_kernel"] = Gemm.Kernel.GetType().Name,
        };
        if (communicator.Size > 1)
        {
            // This rank's exchanges per timed step: the gathers of the forward pass and the gradient sums.
            result["ranks"] = communicator.Size;
            result["rank_images"] = shard.Count;
            result["comm_ms"] = Math.Round(Median(exchanges.Select(e => e.Seconds * 1000)), 1);
            result["comm_bytes_per_step"] = (long)Median(exchanges.Select(e => (double)e.Bytes));
            result["comm_calls_per_step"] = (long)Median(exchanges.Select(e => (double)e.Calls));
            result["comm_share"] = Math.Round(Median(exchanges.Select(e => e.Seconds * 1000)) / median, 3);
            result["overlap_comm"] = options.OverlapComm;
        }
        if (profile is not null)
            result["ops"] = profile.Entries().Select(e => new Dictionary<string, object>
            {
                ["op"] = e.Op,
                ["shape"] = e.Shape,
                ["calls_per_step"] = e.Calls / steps,
                ["forward_ms"] = Math.Round(e.ForwardMs / steps, 2),
                ["backward_ms"] = Math.Round(e.BackwardMs / steps, 2),
            }).ToList();
        return result;
    }


    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MB; 0 where /proc is absent.</summary>
    public static double PeakResidentMegabytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return 0;
    }

    private static void WriteTable(TextWriter output, Dictionary<string, object> result)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (key, value) in result)
        {
            string text = value switch
            {
                double d => d.ToString("0.##", CultureInfo.InvariantCulture),
                IEnumerable<Dictionary<string, object>> rows => string.Join("\n", rows.Select(r => string.Join("  ", r.Select(kv => $"{kv.Key}={Format(kv.Value)}")))),
                _ => Format(value),
            };
            table.AddRow(Markup.Escape(key), Markup.Escape(text));
        }
        console.Write(table);
    }

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>One timed step: wall-clock phases and the processor time of every thread, in milliseconds.</summary>
    private readonly record struct StepTime(double Total, double Forward, double Backward, double Optimizer, double Cpu);

    /// <summary>Per-step times in milliseconds.</summary>
    private sealed class StepTiming
    {
        private readonly List<StepTime> _steps = [];

        public void Add(double total, double forward, double backward, double optimizer, double cpu) =>
            _steps.Add(new StepTime(total, forward, backward, optimizer, cpu));

        public double Min(Func<StepTime, double> pick) => _steps.Min(pick);

        public double Median(Func<StepTime, double> pick)
        {
            var values = _steps.Select(pick).OrderBy(v => v).ToArray();
            int n = values.Length;
            return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
        }
    }
}
