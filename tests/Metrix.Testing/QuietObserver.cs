using Metrix.Training;

namespace Metrix.Testing;

/// <summary>A training observer that reports nothing: for tests that read the run's result and files instead.</summary>
public sealed class QuietObserver : ITrainingObserver
{
    /// <inheritdoc/>
    public void RunStart(TrainOptions options, RunDirectory run) { }

    /// <inheritdoc/>
    public void Message(string text) { }

    /// <inheritdoc/>
    public void EpochStart(int epoch, int epochs, int steps) { }

    /// <inheritdoc/>
    public void Step(int epoch, int step, int steps, double loss, double imagesPerSecond) { }

    /// <inheritdoc/>
    public void EpochEnd(EpochRecord record) { }

    /// <inheritdoc/>
    public void RunEnd(TrainResult result) { }
}
