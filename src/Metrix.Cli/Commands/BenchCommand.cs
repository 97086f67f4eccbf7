using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix bench</c>: times whole training steps on random data after warm-up — forward, the loss (with
/// the Metrix mode's mixing), backward, clipping by value 10, AdamW — on the embedding network with frozen
/// BatchNorm and 4 images per class, as the training loop runs them. With <c>--gemm</c> it times the matrix
/// product instead. Prints one JSON object with <c>--json</c>, otherwise a table.
/// </summary>
public sealed class BenchCommand : Command
{
    /// <summary>Images of each class in the benchmark batch (the release's balanced sampler).</summary>
    public const int ImagesPerClass = 4;

    private readonly Option<string> _model = Flags.Text("model", "Backbone: resnet18, resnet34, resnet50, resnet101", "resnet18");
    private readonly Option<int> _batchSize = Flags.Int("batch_size", "Images per step", 100);
    private readonly Option<int> _imageSize = Flags.Int("image_size", "Image side in pixels", 64);
    private readonly Option<int> _steps = Flags.Int("steps", "Timed steps", 10);
    private readonly Option<int> _warmup = Flags.Int("warmup", "Untimed steps first", 2);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<string> _mode = Flags.Text("mode", "Mixup: baseline, input, feature, embed", "baseline");
    private readonly Option<string> _pairs = Flags.Text("pairs", "Mixing pair sets, comma-separated: posneg, ancneg, pospos, negneg", "posneg,ancneg");
    private readonly Option<string> _loss = Flags.Text("loss", $"Loss: {string.Join(", ", LossFactory.Names)}", "contrastive");
    private readonly Option<int> _embeddingSize = Flags.Int("embedding_size", "Embedding width", 128);
    private readonly Option<int> _seed = Flags.Int("seed", "Random seed of the weights, images and mixing", 0);
    private readonly Option<bool> _gemm = Flags.Switch("gemm", "Time square GEMMs (512, 1024, 2048) and ResNet-50's convolution products instead of a training step");
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object instead of a table");
    private readonly Option<bool> _profile = Flags.Switch("profile", "Also report the time of every operation (forward and backward, per output shape) over the timed steps");

    /// <summary>The command.</summary>
    public BenchCommand()
        : base("bench", "Time training steps (forward, loss, backward, clipping, AdamW) on random data, or GEMM with --gemm.")
    {
        foreach (var option in new Option[] { _model, _batchSize, _imageSize, _steps, _warmup, _threads, _mode, _pairs, _loss, _embeddingSize, _seed, _gemm, _json, _profile })
            Options.Add(option);
        Subcommands.Add(new LoaderBenchCommand());
        Subcommands.Add(new KnnBenchCommand());
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        int threads = parse.GetValue(_threads);
        if (threads < 0) throw new UsageException($"--threads: invalid value {threads}; expected 0 (all cores) or a positive count");
        using var threadScope = Workers.Use(threads == 0 ? Environment.ProcessorCount : threads);
        int steps = Positive(parse.GetValue(_steps), "steps");
        int warmup = parse.GetValue(_warmup);
        if (warmup < 0) throw new UsageException($"--warmup: invalid value {warmup}; expected 0 or more");
        bool json = parse.GetValue(_json);
        var result = parse.GetValue(_gemm)
            ? GemmBench.Run(steps, warmup)
            : StepBench(parse, steps, warmup);
        result["threads"] = Workers.Threads;
        result["peak_memory_mb"] = Math.Round(PeakResidentMegabytes(), 1);
        if (json) context.Output.WriteLine(JsonSerializer.Serialize(result));
        else WriteTable(context.Output, result);
        return ExitCodes.Success;
    }

    private Dictionary<string, object> StepBench(ParseResult parse, int steps, int warmup)
    {
        string model = parse.GetValue(_model)!;
        if (!Training.TrainOptions.Models.Contains(model))
            throw new UsageException($"--model: invalid value '{model}'; accepted: {string.Join(", ", Training.TrainOptions.Models)}");
        int batch = Positive(parse.GetValue(_batchSize), "batch_size");
        if (batch % ImagesPerClass != 0 || batch < 2 * ImagesPerClass)
            throw new UsageException($"--batch_size: invalid value {batch}; expected a multiple of {ImagesPerClass} of at least {2 * ImagesPerClass} ({ImagesPerClass} images per class)");
        int size = Positive(parse.GetValue(_imageSize), "image_size");
        if (size < 32) throw new UsageException($"--image_size: invalid value {size}; expected at least 32 (ResNet reduces by 32)");
        string modeName = parse.GetValue(_mode)!, pairsName = parse.GetValue(_pairs)!, lossName = parse.GetValue(_loss)!;
        MixMode mode;
        PairSet[] pairs;
        try
        {
            mode = MixupOptions.ParseMode(modeName);
            pairs = pairsName.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(MixPlan.Parse).ToArray();
        }
        catch (ArgumentException e)
        {
            throw new UsageException((modeName is "baseline" or "input" or "feature" or "embed" ? "--pairs: " : "--mode: ") + e.Message);
        }
        if (pairs.Length == 0) throw new UsageException("--pairs: expected at least one of posneg, ancneg, pospos, negneg");
        if (Array.IndexOf(LossFactory.Names, lossName) < 0)
            throw new UsageException($"--loss: invalid value '{lossName}'; accepted: {string.Join(", ", LossFactory.Names)}");
        int dim = Positive(parse.GetValue(_embeddingSize), "embedding_size");
        var rng = new Rng((ulong)parse.GetValue(_seed));

        var timing = new StepTiming();
        var net = new EmbeddingNet(model, dim, l2Normalize: true, rng);
        net.FreezeBatchNorm();
        var loss = LossFactory.Create(lossName, batch / ImagesPerClass, dim, rng);
        var groups = new List<ParamGroup>
        {
            new("body", net.BodyParameters().Where(p => p.RequiresGrad).ToList(), 1e-4, 1e-4),
            new("embedding", net.HeadParameters().ToList(), 1e-4, 1e-4),
        };
        if (loss.Parameters.Count > 0) groups.Add(new ParamGroup("loss", loss.Parameters.Select(p => p.Tensor).ToList(), 1e-2, 0));
        var optimizer = new Adam(groups, decoupled: true);
        var parameters = groups.SelectMany(g => g.Parameters).ToArray();
        var options = new MixupOptions(mode, pairs);
        using var images = TensorScope.Outside(() => rng.Normal([batch, 3, size, size]));
        var labels = Enumerable.Range(0, batch).Select(i => i / ImagesPerClass).ToArray();
        long startGc = GC.CollectionCount(0);
        var profile = parse.GetValue(_profile) ? new OpProfile() : null;
        BufferPool.ResetPeak();

        for (int s = 0; s < warmup + steps; s++)
        {
            bool timed = s >= warmup;
            OpProfile.Current = timed ? profile : null;
            OpProfile.Mark();
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            double forward, backward;
            using (new TensorScope())
            {
                var output = MetrixObjective.Compute(net, images, labels, loss, options, rng);
                forward = watch.Elapsed.TotalMilliseconds;
                output.Loss.Backward();
                backward = watch.Elapsed.TotalMilliseconds - forward;
                GradClip.ByValue(parameters, 10f);
                optimizer.Step();
                optimizer.ZeroGrad();
            }
            double total = watch.Elapsed.TotalMilliseconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds;
            if (timed) timing.Add(total, forward, backward, total - forward - backward, cpu);
        }

        OpProfile.Current = null;
        double median = timing.Median(t => t.Total);
        var result = new Dictionary<string, object>
        {
            ["benchmark"] = "train_step",
            ["engine"] = "metrix",
            ["model"] = model,
            ["batch"] = batch,
            ["size"] = size,
            ["mode"] = modeName,
            ["pairs"] = string.Join(',', pairs.Select(MixPlan.NameOf)),
            ["loss"] = lossName,
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

    private static int Positive(int value, string flag) =>
        value > 0 ? value : throw new UsageException($"--{flag}: invalid value {value}; expected a positive integer");

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
