using System.CommandLine;
using System.Globalization;
using System.Text;
using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix reproduce</c>: trains the baseline and Metrix with the same settings and seeds and prints their
/// Recall@K side by side, as the paper's tables do (mean ± standard deviation over seeds); the modes include the
/// methods of Table 3, and <c>--table 3</c> prints that table as published with the commands that run it here.
/// </summary>
public sealed class ReproduceCommand : Command
{
    private static readonly GivenTrainOptions Release = new();

    private readonly Option<DatasetKind?> _dataset = Flags.Choice(SettingChoices.Dataset, $"Dataset: {SettingChoices.Dataset.List}", Release.Dataset);
    private readonly Option<string> _dataRoot = Flags.Text("data_root", "Folder holding the datasets", Release.DataRoot);
    private readonly Option<string> _saveRoot = Flags.Text("save_root", "Where the run directories are created", Release.SaveRoot);
    private readonly Option<LossKind?> _loss = Flags.OptionalChoice(SettingChoices.Loss, $"Loss: {SettingChoices.Loss.List} (default: the dataset's: {SettingChoices.Loss.NameOf(TrainDefaults.Emoji.Loss)} for emoji, {SettingChoices.Loss.NameOf(TrainDefaults.Release.Loss)} otherwise)");
    private readonly Option<string> _modes = Flags.Text("modes", $"Comma-separated modes to compare: {SettingChoices.Mode.List}", "baseline,feature");
    private readonly Option<string> _seeds = Flags.Text("seeds", "Comma-separated seeds; each mode runs once per seed", "1");
    private readonly Option<int?> _numEpochs = Flags.OptionalInt("num_epochs", "Epochs (default: the dataset's)");
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<int> _maxSteps = Flags.Int("max_steps", "Cap on steps per epoch (0 = no cap)", 0);
    private readonly Option<int> _evalEvery = Flags.Int("eval_every", "Evaluate every N epochs (and after the last)", 0);
    private readonly Option<int?> _imageSize = Flags.OptionalInt("image_size", "Training crop side in pixels (default: the dataset's)");
    private readonly Option<int?> _lrDecayStep = Flags.OptionalInt("lr_decay_step", "StepLR step in epochs (default: the dataset's)");
    private readonly Option<double?> _cropScale = Flags.OptionalDouble("crop_scale", "Smallest training crop as a fraction of the image's area (default: the dataset's)");
    private readonly Option<double> _mixWeight = Flags.Double("mix_weight", "Mixup strength w", Release.MixWeight);
    private readonly Option<double> _alpha = Flags.Double("alpha", "λ ~ Beta(alpha, alpha)", Release.Alpha);
    private readonly Option<PairSets> _pairs = Flags.Pairs($"Mixing pair sets: {SettingChoices.Pairs.List}", Release.Pairs);
    private readonly Option<int> _valClasses = Flags.Int("val_classes", "Hold this many training classes out and evaluate on them instead of the test split", 0);
    private readonly Option<int> _hardNegatives = Flags.Int("hard_negatives", "Hardest negatives per anchor (Metrix/input, i-Mix, MoCHi)", Release.HardNegatives);
    private readonly Option<string?> _minerEpsilon = MinerFlag.Create("Pair mining of multi-similarity with this epsilon, 0 to 2, or off (default: the dataset's, as metrix train)");
    private readonly Option<int?> _table = Flags.OptionalInt("table", "Print the paper's table N (3: Metrix against i-Mix, MoCHi and proxy synthesis) and the commands that run it on --dataset, without training");

    /// <summary>The command; each run goes through <paramref name="loop"/>.</summary>
    public ReproduceCommand(TrainLoop loop)
        : base("reproduce", "Train the baseline and Metrix with the same settings and seeds and print Recall@K side by side.")
    {
        foreach (var option in new Option[] { _dataset, _dataRoot, _saveRoot, _loss, _modes, _seeds, _numEpochs, _threads, _maxSteps, _evalEvery, _valClasses,
                     _imageSize, _lrDecayStep, _cropScale, _mixWeight, _alpha, _pairs, _hardNegatives, _minerEpsilon, _table })
            Options.Add(option);
        CommandRunner.SetAction(this, (parse, context) => Execute(parse, context, loop));
    }

    private int Execute(ParseResult parse, CommandContext context, TrainLoop loop)
    {
        if (parse.GetValue(_table) is int table)
        {
            if (table != 3) throw new OptionException("table", $"--table: invalid value '{table}'; accepted: 3");
            string name = SettingChoices.Dataset.NameOf(parse.GetValue(_dataset) ?? Release.Dataset);
            context.Output.Write(PaperTable3.Format(name, parse.GetValue(_seeds) is "1" ? "" : $"--seeds {parse.GetValue(_seeds)}"));
            return ExitCodes.Success;
        }
        var modes = Split(parse.GetValue(_modes)!).Select(m => SettingChoices.Mode.TryParse(m, out var mode)
            ? mode
            : throw new OptionException("modes", $"--modes: unknown mode '{m}'; accepted: {SettingChoices.Mode.List}")).ToList();
        var seeds = Split(parse.GetValue(_seeds)!).Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new OptionException("seeds", $"--seeds: '{s}' is not an integer; give a comma-separated list such as 1,2,3")).ToList();
        if (modes.Count == 0) throw new OptionException("modes", "--modes: give at least one mode");
        if (seeds.Count == 0) throw new OptionException("seeds", "--seeds: give at least one seed");

        var results = new Dictionary<string, List<IReadOnlyDictionary<string, double>>>();
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var dataset = parse.GetValue(_dataset) ?? Release.Dataset;
        string datasetName = SettingChoices.Dataset.NameOf(dataset);
        // The dataset's defaults come from the one resolution every run goes through.
        var loss = new GivenTrainOptions { Dataset = dataset, Loss = parse.GetValue(_loss) }.WithDefaults().Loss;
        string lossName = SettingChoices.Loss.NameOf(loss);
        foreach (var mode in modes)
        {
            string modeName = SettingChoices.Mode.NameOf(mode);
            results[modeName] = [];
            foreach (int seed in seeds)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var given = new GivenTrainOptions
                {
                    Dataset = dataset,
                    DataRoot = parse.GetValue(_dataRoot)!,
                    SaveRoot = parse.GetValue(_saveRoot)!,
                    Loss = loss,
                    Mode = mode,
                    Seed = seed,
                    NumEpochs = parse.GetValue(_numEpochs),
                    Threads = parse.GetValue(_threads),
                    MaxSteps = parse.GetValue(_maxSteps),
                    ValClasses = parse.GetValue(_valClasses),
                    ImageSize = parse.GetValue(_imageSize),
                    LrDecayStep = parse.GetValue(_lrDecayStep),
                    CropScale = parse.GetValue(_cropScale),
                    MixWeight = parse.GetValue(_mixWeight),
                    Alpha = parse.GetValue(_alpha),
                    Pairs = parse.GetValue(_pairs)!,
                    HardNegatives = parse.GetValue(_hardNegatives),
                };
                given = MinerFlag.Apply(given, parse.GetValue(_minerEpsilon));
                // Evaluated after the last epoch only, unless --eval_every says otherwise.
                int every = parse.GetValue(_evalEvery) is > 0 and var e ? e : given.WithDefaults().NumEpochs;
                given = given with { EvalEvery = every, RunName = $"reproduce_{stamp}_{datasetName}_{lossName}_{modeName}_s{seed}" };
                var (run, options) = DistributedStart.Start(given, DateTime.Now, context.Communicator);
                context.Output.WriteLine($"== {modeName}, seed {seed}");
                var result = loop(options, run, new PlainProgress(context.Output) { Interval = TimeSpan.FromSeconds(30) }, context.Cancellation);
                var last = result.Log.LastOrDefault(r => r.Recall is not null)?.Recall
                    ?? throw new InvalidOperationException($"run {run.Path} finished without an evaluation");
                results[modeName].Add(last);
            }
        }
        context.Output.Write(Table(results, datasetName, lossName, seeds.Count));
        return ExitCodes.Success;
    }

    /// <summary>The side-by-side table: one row per mode, Recall@K as mean ± std over seeds, and Metrix's gain over the baseline.</summary>
    public static string Table(IReadOnlyDictionary<string, List<IReadOnlyDictionary<string, double>>> results, string dataset, string loss, int seeds)
    {
        var ks = results.Values.SelectMany(l => l).SelectMany(ProgressText.Ks).Distinct()
            .OrderBy(k => int.Parse(k, CultureInfo.InvariantCulture)).Take(4).ToList();
        var text = new StringBuilder();
        text.AppendLine(Invariant($"{dataset}, {loss}, final epoch, {seeds} seed(s): Recall@K (%)"));
        text.AppendLine(Invariant($"{"method",-18}") + string.Concat(ks.Select(k => Invariant($"{"R@" + k,16}"))));
        foreach (var (mode, runs) in results)
        {
            string name = MethodName(mode, loss);
            text.Append(Invariant($"{name,-18}"));
            foreach (var k in ks)
            {
                var values = runs.Select(r => r.TryGetValue(k, out double v) ? v : double.NaN).ToArray();
                double mean = values.Average();
                double std = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0;
                text.Append(Invariant($"{(values.Length > 1 ? $"{mean:F1} ± {std:F1}" : $"{mean:F1}"),16}"));
            }
            text.AppendLine();
        }
        if (results.TryGetValue("baseline", out var baseline))
            foreach (var (mode, runs) in results.Where(r => r.Key != "baseline"))
            {
                text.Append(Invariant($"{"gain " + mode,-18}"));
                foreach (var k in ks)
                {
                    double gain = runs.Average(r => r[k]) - baseline.Average(r => r[k]);
                    text.Append(Invariant($"{gain,16:+0.0;-0.0;0.0}"));
                }
                text.AppendLine();
            }
        return text.ToString();
    }

    /// <summary>A row's name: the loss for the baseline, Metrix/level for Metrix, the method's name for Table 3's others.</summary>
    public static string MethodName(string mode, string loss) => mode switch
    {
        "baseline" => loss,
        "imix" => "+ i-Mix",
        "mochi" => "+ MoCHi",
        "ps" => "+ PS",
        _ => $"+ Metrix/{mode}",
    };

    private static List<string> Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
