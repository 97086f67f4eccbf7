using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Training;
using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix data info --dataset NAME --data_root DIR [--verify] [--json]</c>: the images and classes of each
/// split of a dataset as training reads it, what was left out while reading its lists, and with
/// <c>--verify</c> every image decoded (in parallel) with the failures listed by path; exit code 1 when an
/// image is missing or cannot be decoded. With <c>--json</c> standard output is one JSON object.
/// </summary>
public sealed class DataCommand : Command
{
    /// <summary>Warnings printed in the text report; <c>--json</c> lists them all.</summary>
    public const int MaxListed = 50;

    private readonly Option<string> _dataset = Flags.Text("dataset", $"Dataset: {SettingChoices.Dataset.List} (folder: DATA_ROOT/<class>/<image>)", "emoji");
    private readonly Option<string> _dataRoot = Flags.Text("data_root", "Folder holding the datasets in their distributed layouts (the image folder itself for folder; unused for emoji)", "./datasets");
    private readonly Option<bool> _verify = Flags.Switch("verify", "Decode every image and list those that fail by path");
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object instead of a table");

    /// <summary>The command group with its <c>info</c> sub-command.</summary>
    public DataCommand()
        : base("data", "Inspect datasets.")
    {
        var info = new Command("info", "Images and classes per split of a dataset as training reads it; with --verify every image is decoded.");
        foreach (var option in new Option[] { _dataset, _dataRoot, _verify, _json }) info.Options.Add(option);
        CommandRunner.SetAction(info, Info);
        Subcommands.Add(info);
    }

    /// <summary>One image that could not be read or decoded.</summary>
    private sealed record Failure(string Split, string Path, string Error);

    private int Info(ParseResult parse, CommandContext context)
    {
        string name = parse.GetValue(_dataset)!;
        if (DatasetDescriptors.Find(name)?.Name != name)
            throw new UsageException($"--dataset: invalid value '{name}'; accepted: {SettingChoices.Dataset.List}");
        var data = DatasetDescriptors.Parse(name).Load(parse.GetValue(_dataRoot)!);
        bool verify = parse.GetValue(_verify), json = parse.GetValue(_json);
        var failures = verify ? Verify(data, context) : null;
        if (json) WriteJson(context.Output, data, failures);
        else WriteText(context, data, failures);
        if (failures is null || failures.Count == 0 && data.MissingImages.Count == 0) return ExitCodes.Success;
        var problems = new List<string>();
        if (failures.Count > 0) problems.Add(Invariant($"{failures.Count:N0} of {data.Splits.Sum(s => s.Count):N0} images could not be decoded"));
        if (data.MissingImages.Count > 0) problems.Add(data.MissingImages.Count == 1 ? "1 listed image does not exist" : Invariant($"{data.MissingImages.Count:N0} listed images do not exist"));
        context.Error.WriteLine($"error: {string.Join(" and ", problems)} ({(json ? "see failures and missing_images" : "listed above")})");
        return ExitCodes.Failure;
    }

    /// <summary>Decodes every image of every split on all cores; progress goes to standard error.</summary>
    private static List<Failure> Verify(DatasetSplits data, CommandContext context)
    {
        var work = data.Splits.SelectMany(s => Enumerable.Range(0, s.Count).Select(i => (Set: s, Index: i))).ToArray();
        var failures = new List<Failure>();
        var progress = new VerifyProgress(context.Error, work.Length, Interactive(context.Error, Console.Error, Console.IsErrorRedirected));
        var options = new ParallelOptions { CancellationToken = context.Cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, work.Length, options, k =>
        {
            var (set, index) = work[k];
            string path = set.Items[index].Path;
            string? error = null;
            try
            {
                ImageDecoder.Decode(set.ReadBytes(index), path);
            }
            catch (ImageDecodeException e)
            {
                error = e.Reason;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A read error (missing, unreadable), or a decoder fault: still a failure of this file only.
                error = e is IOException or UnauthorizedAccessException or KeyNotFoundException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            }
            if (error is not null)
                lock (failures) failures.Add(new Failure(set.Name, path, error));
            progress.Done(error is not null);
        });
        progress.Finish();
        // Parallel completion order varies; list failures in dataset order.
        var order = work.Select((w, k) => (w.Set.Items[w.Index].Path, k)).GroupBy(p => p.Path).ToDictionary(g => g.Key, g => g.First().k);
        return failures.OrderBy(f => order[f.Path]).ToList();
    }

    private static void WriteJson(TextWriter output, DatasetSplits data, List<Failure>? failures)
    {
        var splits = new Dictionary<string, object>();
        foreach (var s in data.Splits)
        {
            var entry = new Dictionary<string, object> { ["images"] = s.Count, ["classes"] = s.ClassCount };
            if (failures is not null) entry["failed"] = failures.Count(f => f.Split == s.Name);
            splits[s.Name] = entry;
        }
        var result = new Dictionary<string, object?>
        {
            ["dataset"] = data.Name,
            ["location"] = data.Location,
            ["splits"] = splits,
            ["warnings"] = data.Warnings,
            ["missing_images"] = data.MissingImages,
        };
        if (failures is not null)
            result["failures"] = failures.Select(f => new Dictionary<string, string> { ["split"] = f.Split, ["path"] = f.Path, ["error"] = f.Error }).ToList();
        output.WriteLine(JsonSerializer.Serialize(result));
    }

    private static void WriteText(CommandContext context, DatasetSplits data, List<Failure>? failures)
    {
        var output = context.Output;
        output.WriteLine(data.Location is null ? $"{data.Name}: embedded" : $"{data.Name}: {data.Location}");
        var rows = data.Splits.Select(s => new[]
        {
            s.Name, Invariant($"{s.Count:N0}"), Invariant($"{s.ClassCount:N0}"),
            failures is null ? "" : Invariant($"{failures.Count(f => f.Split == s.Name):N0}"),
        }).ToList();
        string[] header = failures is null ? ["split", "images", "classes"] : ["split", "images", "classes", "failed"];
        if (Interactive(output, Console.Out, Console.IsOutputRedirected)) WriteTable(output, header, rows);
        else WritePlain(output, header, rows);
        List("left out while reading the lists", data.Warnings, output);
        if (failures is not null)
        {
            output.WriteLine(Invariant($"verified {data.Splits.Sum(s => s.Count):N0} images: {failures.Count:N0} could not be decoded"));
            foreach (var f in failures) output.WriteLine($"  {f.Path}: {f.Error}");
        }
    }

    private static void List(string title, IReadOnlyList<string> lines, TextWriter output)
    {
        if (lines.Count == 0) return;
        output.WriteLine(Invariant($"{title} ({lines.Count:N0}):"));
        foreach (var line in lines.Take(MaxListed)) output.WriteLine("  " + line);
        if (lines.Count > MaxListed) output.WriteLine(Invariant($"  … and {lines.Count - MaxListed:N0} more (--json lists them all)"));
    }

    private static void WriteTable(TextWriter output, string[] header, List<string[]> rows)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().AddColumn(header[0]);
        foreach (var h in header.Skip(1)) table.AddColumn(new TableColumn(h).RightAligned());
        foreach (var row in rows) table.AddRow(row.Take(header.Length).Select(Markup.Escape).ToArray());
        console.Write(table);
    }

    private static void WritePlain(TextWriter output, string[] header, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
            output.WriteLine(string.Join("  ", row.Take(header.Length).Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
    }

    /// <summary>A live display only when writing to the real console and it is a terminal.</summary>
    private static bool Interactive(TextWriter writer, TextWriter console, bool redirected) =>
        ReferenceEquals(writer, console) && !redirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>verify: 5,000/11,788 images, 0 failed</c>: rewritten in place on a terminal (at most every 0.2 s),
    /// otherwise one line per tenth of the work.
    /// </summary>
    private sealed class VerifyProgress(TextWriter error, int total, bool live)
    {
        private readonly Lock _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _done, _failed, _lastTenth;
        private long _lastTicks;

        public void Done(bool failed)
        {
            int done = Interlocked.Increment(ref _done);
            if (failed) Interlocked.Increment(ref _failed);
            lock (_gate)
            {
                if (live)
                {
                    if (_clock.ElapsedMilliseconds - _lastTicks < 200 && done < total) return;
                    _lastTicks = _clock.ElapsedMilliseconds;
                    error.Write("\r" + Line(done));
                }
                else if (total > 0 && done * 10L / total > _lastTenth)
                {
                    _lastTenth = (int)(done * 10L / total);
                    error.WriteLine(Line(done));
                }
            }
        }

        public void Finish()
        {
            if (live) error.WriteLine("\r" + Line(_done));
            else if (total == 0) error.WriteLine(Line(0));
        }

        private string Line(int done) => Invariant($"verify: {done:N0}/{total:N0} images, {_failed:N0} failed, {_clock.Elapsed.TotalSeconds:F0}s");
    }
}
