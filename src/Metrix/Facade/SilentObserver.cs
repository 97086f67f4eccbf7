using Metrix.Training;

namespace Metrix;

/// <summary>An observer that ignores every report: training from code without an observer.</summary>
internal sealed class SilentObserver : ITrainingObserver
{
    public static SilentObserver Instance { get; } = new();

    public void RunStart(TrainOptions options, RunDirectory run) { }

    public void Message(string text) { }

    public void EpochStart(int epoch, int epochs, int steps) { }

    public void Step(int epoch, int step, int steps, double loss, double imagesPerSecond) { }

    public void EpochEnd(EpochRecord record) { }

    public void RunEnd(TrainResult result) { }
}
