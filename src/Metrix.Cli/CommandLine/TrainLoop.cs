using Metrix.Training;

namespace Metrix.Cli;

/// <summary>The training loop <c>metrix train</c> runs: options resolved, directory prepared, progress to the observer.</summary>
public delegate TrainResult TrainLoop(TrainOptions options, RunDirectory run, ITrainingObserver observer, CancellationToken cancel);
