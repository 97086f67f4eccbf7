using System.Diagnostics;
using System.Globalization;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>
/// Training progress as plain lines, for redirected output and logs: a step line at most every
/// <see cref="Interval"/> (and at the end of each epoch), one summary line per epoch.
/// </summary>
public sealed class PlainProgress(TextWriter output) : ITrainingObserver
{
    private readonly Stopwatch _sinceLine = new();
    private readonly Stopwatch _epoch = new();
    private int _epochs;

    /// <summary>Minimum time between two step lines.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc/>
    public void RunStart(TrainOptions options, RunDirectory run)
    {
        _epochs = options.NumEpochs;
        output.WriteLine(ProgressText.Settings(options));
        output.WriteLine($"run directory: {run.Path}");
    }

    /// <inheritdoc/>
    public void Message(string text) => output.WriteLine(text);

    /// <inheritdoc/>
    public void EpochStart(int epoch, int epochs, int steps)
    {
        _epochs = epochs;
        _epoch.Restart();
        _sinceLine.Restart();
    }

    /// <inheritdoc/>
    public void Step(int epoch, int step, int steps, double loss, double imagesPerSecond)
    {
        if (step < steps && _sinceLine.Elapsed < Interval) return;
        _sinceLine.Restart();
        output.WriteLine(ProgressText.Step(epoch, _epochs, step, steps, loss, imagesPerSecond, ProgressText.Remaining(_epoch.Elapsed, step, steps)));
    }

    /// <inheritdoc/>
    public void EpochEnd(EpochRecord record) => output.WriteLine(ProgressText.Epoch(record, _epochs));

    /// <inheritdoc/>
    public void RunEnd(TrainResult result) => output.Write(ProgressText.Summary(result));
}
