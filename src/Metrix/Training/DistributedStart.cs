using System.Text.Json;
using Metrix.Distributed;

namespace Metrix.Training;

/// <summary>
/// The start of a run on every rank of a distributed job: rank 0 alone resolves the options and creates (or, with
/// <c>--resume</c>, opens) the run directory as <see cref="RunDirectory.Start"/> does; the directory's path and
/// the resolved options then go to the other ranks, which create nothing. An invalid flag therefore fails on
/// rank 0, whose error ends the job.
/// </summary>
public static class DistributedStart
{
    /// <summary>The run directory and the resolved options, the same on every rank of <paramref name="communicator"/>.</summary>
    public static (RunDirectory Run, TrainOptions Options) Start(GivenTrainOptions options, DateTime now, ICommunicator communicator)
    {
        if (communicator.Size == 1) return RunDirectory.Start(options, now);
        string message = "";
        RunDirectory? run = null;
        TrainOptions? resolved = null;
        if (communicator.Rank == 0)
        {
            if (options.Resume is null) CheckShare(options.WithDefaults().BatchSize, communicator.Size); // before a directory exists
            (run, resolved) = RunDirectory.Start(options, now);
            CheckShare(resolved.BatchSize, communicator.Size);
            message = run.Path + "\n" + JsonSerializer.Serialize(resolved, RunDirectory.Json);
        }
        message = communicator.Broadcast(message);
        if (communicator.Rank == 0) return (run!, resolved!);
        int split = message.IndexOf('\n', StringComparison.Ordinal);
        var given = JsonSerializer.Deserialize<GivenTrainOptions>(message[(split + 1)..], RunDirectory.Json)
            ?? throw new InvalidDataException("rank 0 sent no options");
        // Validated on rank 0; files it names (--resume, --pretrained) need not exist on this machine.
        return (RunDirectory.OfRankZero(message[..split]), given.WithDefaults());
    }

    /// <summary>Every process holds at least one image of each global batch (a resumed run may have more processes than before).</summary>
    private static void CheckShare(int batchSize, int processes)
    {
        if (batchSize < processes)
            throw new OptionException("batch_size", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"--batch_size: a global batch of {batchSize} images cannot be shared by {processes} processes; give at least one image per process (--batch_size ≥ {processes}) or launch fewer processes"));
    }
}
