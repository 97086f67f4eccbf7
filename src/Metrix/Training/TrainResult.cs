namespace Metrix.Training;

/// <summary>The outcome of a training run: its directory, the log of every epoch and the best evaluated epoch by Recall@1.</summary>
public sealed record TrainResult(RunDirectory Run, IReadOnlyList<EpochRecord> Log, EpochRecord? Best);
