using System.Globalization;
using Metrix.Training;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary>
/// Training progress on a terminal: a live bar per epoch (step, loss, images/s, time left) drawn by
/// Spectre.Console, epoch lines above it, and a table of every epoch at the end.
/// </summary>
public sealed class LiveProgress : ITrainingObserver
{
    private readonly IAnsiConsole _console;
    private ProgressContext? _context;
    private ProgressTask? _task;
    private int _epochs;
    private TrainResult? _result;

    private LiveProgress(IAnsiConsole console) => _console = console;

    /// <summary>Runs <paramref name="body"/> with a live observer drawing on <paramref name="console"/>.</summary>
    public static T Run<T>(IAnsiConsole console, Func<ITrainingObserver, T> body)
    {
        var observer = new LiveProgress(console);
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn())
            .Start(context =>
            {
                observer._context = context;
                result = body(observer);
                observer._task?.StopTask();
            });
        observer.WriteSummaryTable();
        return result;
    }

    /// <inheritdoc/>
    public void RunStart(TrainOptions options, RunDirectory run)
    {
        _epochs = options.NumEpochs;
        Line(ProgressText.Settings(options));
        Line($"run directory: {run.Path}");
    }

    /// <inheritdoc/>
    public void Message(string text) => Line(text);

    /// <inheritdoc/>
    public void EpochStart(int epoch, int epochs, int steps)
    {
        _epochs = epochs;
        _task?.StopTask();
        _task = _context!.AddTask(Describe(epoch, 0, steps, double.NaN, 0), maxValue: Math.Max(1, steps));
    }

    /// <inheritdoc/>
    public void Step(int epoch, int step, int steps, double loss, double imagesPerSecond)
    {
        if (_task is null) return;
        _task.Value = step;
        _task.Description = Describe(epoch, step, steps, loss, imagesPerSecond);
    }

    /// <inheritdoc/>
    public void EpochEnd(EpochRecord record)
    {
        _task?.StopTask();
        _task = null;
        Line(ProgressText.Epoch(record, _epochs));
    }

    /// <inheritdoc/>
    public void RunEnd(TrainResult result) => _result = result;

    private string Describe(int epoch, int step, int steps, double loss, double imagesPerSecond) =>
        Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch + 1}/{_epochs}  step {step}/{steps}  loss {(double.IsNaN(loss) ? "-" : loss.ToString("F4", CultureInfo.InvariantCulture))}  {imagesPerSecond:F0} img/s"));

    private void Line(string text) => _console.MarkupLine(Markup.Escape(text));

    private void WriteSummaryTable()
    {
        if (_result is null || _result.Log.Count == 0) return;
        // The first four K (R@1 2 4 8 on CUB-like sets) keep the table narrow enough for an 80-column terminal.
        var ks = _result.Log.Where(r => r.Recall is not null).SelectMany(r => ProgressText.Ks(r.Recall!)).Distinct().Take(4).ToList();
        var table = new Table().Title("Training summary");
        table.AddColumns("epoch", "loss", "mixed");
        foreach (var k in ks) table.AddColumn(new TableColumn("R@" + k).RightAligned());
        table.AddColumn(new TableColumn("s").RightAligned());
        foreach (var r in _result.Log)
        {
            var cells = new List<string>
            {
                (r.Epoch + 1).ToString(CultureInfo.InvariantCulture),
                r.Loss.ToString("F4", CultureInfo.InvariantCulture),
                r.MixedLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "",
            };
            foreach (var k in ks)
                cells.Add(r.Recall is { } recall && recall.TryGetValue(k, out double v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "");
            cells.Add(r.Seconds.ToString("F0", CultureInfo.InvariantCulture));
            bool best = _result.Best is { } b && b.Epoch == r.Epoch;
            table.AddRow(cells.Select(c => best ? $"[bold]{Markup.Escape(c)}[/]" : Markup.Escape(c)).ToArray());
        }
        _console.Write(table);
        _console.Write(new Text(ProgressText.Summary(_result)));
    }
}
