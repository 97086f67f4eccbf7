using System.Diagnostics;
using System.Globalization;
using Metrix.Tensors;
using Metrix.Vision.Datasets;

namespace Metrix.Cli;

/// <summary>
/// The command line's side of <see cref="EmbeddingModel"/> (eval, embed, search, analyze, knn-bench):
/// <c>--checkpoint</c> and <c>--threads</c> errors as usage errors, and embedding with progress on standard error.
/// </summary>
internal static class CheckpointFlag
{
    /// <summary>Loads <paramref name="path"/>; a missing file is a usage error naming <c>--checkpoint</c>.</summary>
    public static EmbeddingModel Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--checkpoint: file not found: {path}");
        return EmbeddingModel.Load(path);
    }

    /// <summary>Applies <c>--threads</c> (0: all cores; under mpiexec, the cores divided among the ranks of this machine).</summary>
    public static void SetThreads(int threads, Metrix.Distributed.ICommunicator? communicator = null)
    {
        if (threads < 0) throw new UsageException($"--threads: invalid value {threads}; expected 0 (all cores) or a positive count");
        if (threads == 0 && communicator is { Size: > 1 }) threads = Metrix.Distributed.Communicator.DefaultThreads(communicator);
        if (threads > 0) Workers.UseForFlow(threads);
    }

    /// <summary>
    /// The embeddings [N, D] of <paramref name="set"/>, reporting progress on standard error every five seconds; under
    /// mpiexec shared among the ranks (rank 0 reports its own share's progress).
    /// </summary>
    public static Tensor Embed(this EmbeddingModel model, ImageSet set, int workers, int batchSize, CommandContext context)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        int done = 0;
        var communicator = context.Communicator;
        return model.Embed(set, workers, batchSize, context.Cancellation, n =>
        {
            if (communicator.Rank != 0) return;
            done += n;
            if (clock.Elapsed - last < TimeSpan.FromSeconds(5) && done < set.Count) return;
            last = clock.Elapsed;
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedded {done}/{set.Count} images of {set.Name} ({done / clock.Elapsed.TotalSeconds:F0} images/s)"));
        }, communicator);
    }
}
