namespace Metrix.Training;

/// <summary>
/// Receives progress from the trainer; the command line implements it (live bar on a terminal, plain lines
/// when redirected). Calls arrive in order on the training thread:
/// <c>RunStart (Message | EpochStart Step* EpochEnd)* RunEnd</c>; <c>RunEnd</c> is not called when the run
/// fails or is cancelled.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>The run starts with its resolved options in <paramref name="run"/>.</summary>
    void RunStart(TrainOptions options, RunDirectory run);

    /// <summary>A one-line message (dataset sizes, resume point, warnings).</summary>
    void Message(string text);

    /// <summary>Epoch <paramref name="epoch"/> (from 0) of <paramref name="epochs"/> starts with <paramref name="steps"/> steps.</summary>
    void EpochStart(int epoch, int epochs, int steps);

    /// <summary>After step <paramref name="step"/> (from 1) of <paramref name="steps"/>: the running mean loss of the epoch and the throughput.</summary>
    void Step(int epoch, int step, int steps, double loss, double imagesPerSecond);

    /// <summary>After each epoch, once its record is in the log.</summary>
    void EpochEnd(EpochRecord record);

    /// <summary>The run completed.</summary>
    void RunEnd(TrainResult result);
}
