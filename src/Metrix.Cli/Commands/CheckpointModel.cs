using System.Diagnostics;
using System.Globalization;
using Metrix.Evaluation;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Datasets;
using Metrix.Vision.Loading;
using Metrix.Vision.Transforms;

namespace Metrix.Cli;

/// <summary>A checkpoint loaded for inference (eval, embed, search): the network, its settings and embedding of image sets with progress on standard error.</summary>
internal sealed class CheckpointModel
{
    private CheckpointModel(string path, EmbeddingNet model, CheckpointInfo info)
    {
        Path = path;
        Model = model;
        Info = info;
    }

    public string Path { get; }

    public EmbeddingNet Model { get; }

    public CheckpointInfo Info { get; }

    /// <summary>Loads <paramref name="path"/>; a missing file is named.</summary>
    public static CheckpointModel Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--checkpoint: file not found: {path}");
        var (model, info) = CheckpointInfo.LoadModel(path);
        return new CheckpointModel(path, model, info);
    }

    /// <summary>The embeddings [N, D] of <paramref name="set"/> with the eval pipeline at the checkpoint's image size.</summary>
    public Tensor Embed(ImageSet set, int workers, int batchSize, CommandContext context)
    {
        var cache = new ImageCache(set, ImageTransforms.EvalResize(Info.ImageSize));
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        int done = 0;
        var result = Evaluator.Embed(Model, cache, Info.ImageSize, workers, batchSize, context.Cancellation, n =>
        {
            done += n;
            if (clock.Elapsed - last < TimeSpan.FromSeconds(5) && done < set.Count) return;
            last = clock.Elapsed;
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedded {done}/{set.Count} images of {set.Name} ({done / clock.Elapsed.TotalSeconds:F0} images/s)"));
        });
        return result;
    }

    /// <summary>Applies <c>--threads</c> (0: all cores).</summary>
    public static void SetThreads(int threads)
    {
        if (threads < 0) throw new UsageException($"--threads: invalid value {threads}; expected 0 (all cores) or a positive count");
        if (threads > 0) Workers.UseForFlow(threads);
    }
}
