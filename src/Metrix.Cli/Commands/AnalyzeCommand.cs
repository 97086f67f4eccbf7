using System.CommandLine;
using System.Globalization;
using Metrix.Analysis;
using Metrix.Losses;
using Metrix.Reports;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Datasets;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix analyze --run DIR</c>: the paper's analysis measures (docs/method.md#analysis-measures) of a trained run — alignment and
/// uniformity of the test embeddings, utilization against the clean training embeddings and against clean +
/// mixed ones, positivity of mixed embeddings against their soft label — written to <c>analysis.json</c>
/// and <c>positivity.svg</c> in the run directory.
/// </summary>
public sealed class AnalyzeCommand : Command
{
    /// <summary>Report file name in the run directory.</summary>
    public const string ReportFile = "analysis.json";

    /// <summary>Positivity plot file name in the run directory.</summary>
    public const string PositivityPlotFile = "positivity.svg";

    private readonly Option<string> _run = Flags.RequiredText("run", "Run directory written by metrix train");
    private readonly Option<string> _checkpoint = Flags.Text("checkpoint", "Which checkpoint: best or last", "best");
    private readonly Option<int> _workers = Flags.Int("num_workers", "Loader threads", 2);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<bool> _json = Flags.Switch("json", "Print the report as JSON");

    /// <summary>The command.</summary>
    public AnalyzeCommand()
        : base("analyze", "Alignment, uniformity, utilization and positivity of a trained run; writes analysis.json and positivity.svg into it.")
    {
        foreach (var option in new Option[] { _run, _checkpoint, _workers, _threads, _json }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        string dir = parse.GetValue(_run)!;
        if (!File.Exists(Path.Combine(dir, RunDirectory.ConfigFile)))
            throw new UsageException($"--run: '{dir}' is not a run directory (no {RunDirectory.ConfigFile} in it)");
        string which = parse.GetValue(_checkpoint)!;
        if (which is not ("best" or "last")) throw new UsageException($"--checkpoint: '{which}' is not accepted; accepted: best, last");
        var run = RunDirectory.Open(dir);
        var options = run.ReadConfig();
        string path = which == "best" && File.Exists(run.BestCheckpoint) ? run.BestCheckpoint : run.LastCheckpoint;
        var model = CheckpointFlag.Load(path);
        int workers = parse.GetValue(_workers);

        var data = options.Data.Load(options.DataRoot);
        var train = options.ValClasses > 0 ? ValidationSplit.Carve(data.Train, options.ValClasses).Train : data.Train;
        var test = data.HasGallery ? data["query"] : data["test"];
        using var trainEmbeddings = model.Embed(train, workers, 100, context);
        using var testEmbeddings = model.Embed(test, workers, 100, context);
        int dim = testEmbeddings.Dim(1);

        float[] mixed = [];
        IReadOnlyList<PositivityBin>? positivity = null;
        if (File.Exists(run.AnalysisPairsPath))
        {
            var pairs = SafeTensors.Read(run.AnalysisPairsPath).Tensors;
            if (pairs.TryGetValue("mixed", out var m)) mixed = m.ToArray();
            if (pairs.TryGetValue("label", out var labels) && pairs.TryGetValue("gradient", out var gradients))
                positivity = Positivity.Compute(labels.Span, gradients.Span,
                    pairs.TryGetValue("similarity", out var s) ? s.Span : default, multiSimilarity: options.Loss == LossKind.MultiSimilarity);
        }
        var report = AnalysisReport.Compute(testEmbeddings.Span, test.Labels(), trainEmbeddings.Span, mixed, testEmbeddings.Span, dim, model.Info.Epoch)
            with
        { Positivity = positivity };
        report.Save(Path.Combine(run.Path, ReportFile));
        if (positivity is not null) Plot(positivity, options.LossName, Path.Combine(run.Path, PositivityPlotFile));

        if (parse.GetValue(_json))
        {
            context.Output.WriteLine(report.ToJson());
            return ExitCodes.Success;
        }
        var table = new Table().Title(Markup.Escape($"analysis of {run.Path} ({Path.GetFileName(path)}, epoch {model.Info.Epoch + 1})"));
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("value").RightAligned());
        string F(double? v) => v?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
        table.AddRow("alignment (test, lower is better)", F(report.Alignment));
        table.AddRow("uniformity (test, lower is better)", F(report.Uniformity));
        table.AddRow("utilization, clean training set", F(report.UtilizationClean));
        table.AddRow($"utilization, clean + {mixed.Length / Math.Max(1, dim)} mixed", F(report.UtilizationMixed));
        foreach (var bin in positivity ?? [])
            if (bin.Pairs > 0)
                table.AddRow(string.Create(CultureInfo.InvariantCulture, $"positive, label {bin.From:F1}–{bin.To:F1} ({bin.Pairs} pairs)"),
                    F(bin.Measured) + (bin.Theory is { } t ? $" (theory {t.ToString("F4", CultureInfo.InvariantCulture)})" : ""));
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Output) }).Write(table);
        context.Output.WriteLine($"wrote {Path.Combine(run.Path, ReportFile)}");
        return ExitCodes.Success;
    }

    private static void Plot(IReadOnlyList<PositivityBin> bins, string loss, string path)
    {
        var used = bins.Where(b => b.Pairs > 0).ToList();
        double[] x = used.Select(b => (b.From + b.To) / 2).ToArray();
        var chart = new LineChart { Title = $"Positivity of mixed embeddings ({loss})", XLabel = "soft label y (interpolation factor)", YLabel = "P(positive)" }
            .Add(new ChartSeries("measured (∂ℓ/∂s < 0)", x, used.Select(b => b.Measured ?? double.NaN).ToArray(), SeriesStyle.LineAndMarkers));
        if (used.Any(b => b.Theory is not null))
            chart.Add(new ChartSeries("theory (eq. 25)", x, used.Select(b => b.Theory ?? double.NaN).ToArray(), SeriesStyle.LineAndMarkers));
        chart.Save(path);
    }
}
