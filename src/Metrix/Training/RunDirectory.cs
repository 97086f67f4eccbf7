using System.Globalization;
using System.Text.Json;
using Metrix.Reports;
using Metrix.Tensors;
using Metrix.Vision.Transforms;

namespace Metrix.Training;

/// <summary>
/// A run's directory (DESIGN §5): <c>config.json</c> (the resolved <see cref="TrainOptions"/>, keys named as the
/// flags), <c>log.jsonl</c> (one <see cref="EpochRecord"/> per line), <c>best.safetensors</c> and
/// <c>last.safetensors</c>, and the plots <c>loss.svg</c> and <c>recall.svg</c>, regenerated after every epoch.
/// Every file is written atomically, so an interrupted run leaves a consistent directory that
/// <c>--resume</c> continues.
/// </summary>
public sealed class RunDirectory
{
    /// <summary>File name of the settings.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>File name of the per-epoch log.</summary>
    public const string LogFile = "log.jsonl";

    /// <summary>File name of the checkpoint after the last completed epoch.</summary>
    public const string LastFile = "last.safetensors";

    /// <summary>File name of the checkpoint with the best Recall@1.</summary>
    public const string BestFile = "best.safetensors";

    /// <summary>File name of the loss plot.</summary>
    public const string LossPlotFile = "loss.svg";

    /// <summary>File name of the Recall@K plot.</summary>
    public const string RecallPlotFile = "recall.svg";

    /// <summary>Mixed embeddings and per-pair gradients of the last epoch, for <c>metrix analyze</c>.</summary>
    public const string AnalysisPairsFile = "analysis_pairs.safetensors";

    /// <summary>JSON settings of every file of a run: snake_case names, one line per object.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    private static readonly JsonSerializerOptions IndentedJson = new(Json) { WriteIndented = true };

    private RunDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    /// <summary>The directory (absolute).</summary>
    public string Path { get; }

    /// <summary>config.json.</summary>
    public string ConfigPath => Combine(ConfigFile);

    /// <summary>log.jsonl.</summary>
    public string LogPath => Combine(LogFile);

    /// <summary>last.safetensors.</summary>
    public string LastCheckpoint => Combine(LastFile);

    /// <summary>best.safetensors.</summary>
    public string BestCheckpoint => Combine(BestFile);

    /// <summary>loss.svg.</summary>
    public string LossPlotPath => Combine(LossPlotFile);

    /// <summary>recall.svg.</summary>
    public string RecallPlotPath => Combine(RecallPlotFile);

    /// <summary>Full path of <see cref="AnalysisPairsFile"/>.</summary>
    public string AnalysisPairsPath => Combine(AnalysisPairsFile);

    /// <summary>A new, empty directory <c>root/name</c>; <c>-2</c>, <c>-3</c>, … is appended while that name exists.</summary>
    public static RunDirectory Create(string root, string name)
    {
        if (name.Length == 0 || name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
            throw new OptionException("run_name", $"--run_name: '{name}' is not a valid directory name");
        string path = System.IO.Path.Combine(root, name);
        for (int i = 2; Directory.Exists(path) || File.Exists(path); i++)
            path = System.IO.Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"{name}-{i}"));
        Directory.CreateDirectory(path);
        return new RunDirectory(path);
    }

    /// <summary>An existing run directory (one holding config.json).</summary>
    public static RunDirectory Open(string path)
    {
        var run = new RunDirectory(path);
        if (!File.Exists(run.ConfigPath))
            throw new FileNotFoundException($"not a run directory (no {ConfigFile}): {run.Path}", run.ConfigPath);
        return run;
    }

    /// <summary>
    /// Rank 0's run directory as another rank of a distributed run names it: not checked and never written by
    /// this process (it may not even exist on this machine).
    /// </summary>
    public static RunDirectory OfRankZero(string path) => new(path);

    /// <summary>
    /// Where a run goes: with <c>--resume DIR</c>, that directory and the settings saved in it (only
    /// <c>--threads</c> and <c>--num_workers</c> are taken from <paramref name="options"/>, as they do not change
    /// results); otherwise the options resolved and validated, and a new directory under <c>save_root</c>
    /// named by <c>--run_name</c> or <see cref="DefaultName"/>, with config.json written. Every setting is
    /// checked before a directory is created.
    /// </summary>
    public static (RunDirectory Run, TrainOptions Options) Start(GivenTrainOptions options, DateTime now)
    {
        if (options.Resume is { } resume)
        {
            if (!File.Exists(System.IO.Path.Combine(resume, ConfigFile)))
                throw new OptionException("resume", $"--resume: '{resume}' is not a run directory (no {ConfigFile} in it)");
            var run = Open(resume);
            var saved = run.ReadGivenConfig() with { Resume = run.Path, Threads = options.Threads, NumWorkers = options.NumWorkers };
            return (run, saved.Resolve());
        }
        var resolved = options.Resolve();
        var created = Create(resolved.SaveRoot, resolved.RunName ?? DefaultName(resolved, now));
        created.WriteConfig(resolved);
        return (created, resolved);
    }

    /// <summary><c>dataset_model_loss_mode_sSEED_yyyyMMdd-HHmmss</c>, e.g. <c>emoji_resnet18_contrastive_feature_s1_20250101-120000</c>.</summary>
    public static string DefaultName(TrainOptions options, DateTime now) => string.Create(CultureInfo.InvariantCulture,
        $"{options.DatasetName}_{options.ModelName}_{options.LossName}_{options.ModeName}_s{options.Seed}_{now:yyyyMMdd-HHmmss}");

    /// <summary>
    /// Takes this directory's <see cref="RunLock"/> for the length of a run, then removes the temporary files of
    /// atomic writes (<c>.NAME.PID.ID.tmp</c>) a killed process left behind: while the lock is held nobody
    /// else is writing one.
    /// </summary>
    /// <exception cref="RunLockedException">Another process is writing this directory.</exception>
    public RunLock Lock()
    {
        var held = RunLock.Acquire(Path);
        try
        {
            foreach (var orphan in Directory.EnumerateFiles(Path, ".*.tmp"))
                File.Delete(orphan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            held.Dispose();
            throw new IOException($"{Path}: cannot remove a temporary file left by an interrupted run: {e.Message}", e);
        }
        return held;
    }

    /// <summary>
    /// Records the end of an epoch so that a kill at any moment leaves a directory <c>--resume</c> continues with
    /// every epoch logged once: first the log with the epoch's record (<paramref name="log"/>), then the best
    /// checkpoint if <paramref name="writeBest"/> is given, and last <c>last.safetensors</c>, which commits the epoch.
    /// Killed before that, the resumed run drops the record (its epoch is after the last checkpoint) and trains
    /// the epoch again, writing the same best checkpoint; killed after it, nothing is missing.
    /// </summary>
    public void CompleteEpoch(IReadOnlyList<EpochRecord> log, Action<string>? writeBest, Action<string> writeLast)
    {
        WriteLog(log);
        writeBest?.Invoke(BestCheckpoint);
        writeLast(LastCheckpoint);
    }

    /// <summary>Writes config.json (indented; keys are the flag names).</summary>
    public void WriteConfig(TrainOptions options) =>
        AtomicFile.WriteAllText(ConfigPath, JsonSerializer.Serialize(options, IndentedJson) + "\n");

    /// <summary>Reads config.json: the settings the run trained with (see <see cref="ReadGivenConfig"/>), not validated.</summary>
    public TrainOptions ReadConfig() => ReadGivenConfig().WithDefaults();

    /// <summary>
    /// Reads config.json as given settings. Every setting must be there: a file that lacks one (<c>{}</c>, or
    /// no dataset, model or loss) is refused with the missing keys named rather than completed with today's
    /// defaults, which would train a different run over its checkpoints. The one exception is the resume
    /// patch: a run written before <c>--lr_schedule</c> and <c>--crop_scale</c> existed trained with StepLR
    /// and the release's 0.08 crops, and resumes with them; one written before <c>--sync_bn</c> existed
    /// trained without it (it read false); one written before <c>--overlap_comm</c> overlaps (the same numbers either way).
    /// </summary>
    /// <exception cref="InvalidDataException">Not JSON settings, a setting missing or invalid; the message names the file.</exception>
    public GivenTrainOptions ReadGivenConfig()
    {
        var info = new FileInfo(ConfigPath);
        if (info.Length > MaxConfigBytes)
            throw new InvalidDataException($"{ConfigPath}: {info.Length} bytes is too large for a settings file (at most {MaxConfigBytes})");
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(ConfigPath)) as System.Text.Json.Nodes.JsonObject
                ?? throw new InvalidDataException($"{ConfigPath}: expected a JSON object of settings");
            var missing = ConfigKeys.Where(k => !PatchedKeys.Contains(k)
                && (!json.TryGetPropertyValue(k, out var value) || (value is null && !NullableKeys.Contains(k)))).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"{ConfigPath}: settings missing: {string.Join(", ", missing)}; the run cannot be resumed without them");
            var given = json.Deserialize<GivenTrainOptions>(Json) ?? throw new InvalidDataException($"{ConfigPath}: empty settings");
            // Settings added after the run was written take the values such runs trained with, not today's defaults.
            return given with
            {
                LrSchedule = given.LrSchedule ?? LrScheduleKind.Step,
                CropScale = given.CropScale ?? ImageTransforms.DefaultScaleMin,
                // The file holds the resolved value: null (or absent, before mining existed) means the run did not mine.
                NoMiner = given.MinerEpsilon is null,
            };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ConfigPath}: not valid settings JSON ({e.Message})", e);
        }
    }

    /// <summary>Largest config.json read.</summary>
    public const long MaxConfigBytes = 1 << 20;

    /// <summary>The keys of config.json: every setting of <see cref="TrainOptions"/>, by its flag name.</summary>
    public static IReadOnlyList<string> ConfigKeys { get; } = typeof(TrainOptions).GetProperties()
        .Where(p => !p.IsDefined(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), inherit: true))
        .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).ToArray();

    // Added after the first runs were written; absent, they take the values those runs trained with:
    // miner_epsilon null (no mining existed), sync_bn false (the value an absent boolean reads as); overlap_comm
    // true, its default (whether the sums overlap the backward pass does not change the numbers).
    private static readonly string[] PatchedKeys = ["lr_schedule", "crop_scale", "miner_epsilon", "sync_bn", "overlap_comm"];

    // Null when not set: a new run's resume, an unnamed run's name, no mining.
    private static readonly string[] NullableKeys = ["resume", "run_name", "miner_epsilon"];

    /// <summary>The epochs logged so far, in order (an absent log is empty).</summary>
    public List<EpochRecord> ReadLog()
    {
        if (!File.Exists(LogPath)) return [];
        var records = new List<EpochRecord>();
        int line = 0;
        foreach (string text in File.ReadLines(LogPath))
        {
            line++;
            if (text.Length == 0) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<EpochRecord>(text, Json)
                    ?? throw new InvalidDataException($"{LogPath}:{line}: null record"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{LogPath}:{line}: not an epoch record ({e.Message})", e);
            }
        }
        return records;
    }

    /// <summary>Appends one epoch to log.jsonl (the file is replaced atomically) and regenerates the plots.</summary>
    public void Append(EpochRecord record)
    {
        var records = ReadLog();
        records.Add(record);
        WriteLog(records);
    }

    /// <summary>Replaces log.jsonl with <paramref name="records"/> (atomically) and regenerates the plots.</summary>
    public void WriteLog(IReadOnlyList<EpochRecord> records)
    {
        AtomicFile.WriteAllText(LogPath, string.Concat(records.Select(r => JsonSerializer.Serialize(r, Json) + "\n")));
        WritePlots(records);
    }

    /// <summary>
    /// Writes loss.svg (total, clean and mixed loss per epoch) and recall.svg (Recall@K per evaluated epoch,
    /// one series per K). Epochs are shown from 1.
    /// </summary>
    public void WritePlots(IReadOnlyList<EpochRecord> records)
    {
        double[] epochs = records.Select(r => r.Epoch + 1.0).ToArray();
        var loss = new LineChart { Title = "Training loss", XLabel = "epoch", YLabel = "loss" }
            .Add(new ChartSeries("total", epochs, records.Select(r => r.Loss).ToArray(), SeriesStyle.LineAndMarkers))
            .Add(new ChartSeries("clean", epochs, records.Select(r => r.CleanLoss).ToArray(), SeriesStyle.LineAndMarkers));
        if (records.Any(r => r.MixedLoss is not null))
            loss.Add(new ChartSeries("mixed", epochs, records.Select(r => r.MixedLoss ?? double.NaN).ToArray(), SeriesStyle.LineAndMarkers));
        loss.Save(LossPlotPath);

        var evaluated = records.Where(r => r.Recall is not null).ToList();
        var ks = evaluated.SelectMany(r => r.Recall!.Keys).Distinct()
            .OrderBy(k => int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue)
            .ThenBy(k => k, StringComparer.Ordinal);
        var recall = new LineChart { Title = "Recall@K", XLabel = "epoch", YLabel = "Recall@K (%)" };
        double[] evaluatedEpochs = evaluated.Select(r => r.Epoch + 1.0).ToArray();
        foreach (string k in ks)
            recall.Add(new ChartSeries("R@" + k, evaluatedEpochs,
                evaluated.Select(r => r.Recall!.TryGetValue(k, out double v) ? v : double.NaN).ToArray(), SeriesStyle.LineAndMarkers));
        recall.Save(RecallPlotPath);
    }

    private string Combine(string file) => System.IO.Path.Combine(Path, file);
}
