using System.Globalization;
using Metrix.Search;
using Metrix.Vision.Datasets;
using Metrix.Vision.Transforms;

namespace Metrix.Cli;

/// <summary>What <c>metrix index</c>, <c>search --index</c> and <c>serve</c> share: the checkpoint an index names, and embedding image sets for it.</summary>
internal static class IndexSupport
{
    /// <summary>
    /// The checkpoint of <paramref name="manifest"/>, loaded: <paramref name="flag"/> (<c>--checkpoint</c>) when
    /// given, else the path the manifest records; either way the file's SHA-256 must be the manifest's, so an
    /// index is never searched or extended with embeddings of another model.
    /// </summary>
    public static (EmbeddingModel Model, CheckpointIdentity Identity) Checkpoint(IndexManifest manifest, string index, string? flag)
    {
        string path = flag ?? manifest.Checkpoint.Path;
        if (!File.Exists(path))
            throw flag is null
                ? new FileNotFoundException($"{index}: its checkpoint {path} is gone; give the same file with --checkpoint")
                : new UsageException($"--checkpoint: file not found: {path}");
        var identity = CheckpointIdentity.Of(path);
        if (!identity.SameFile(manifest.Checkpoint))
        {
            // A file that changed under the index is a bad file (exit 1); naming another checkpoint is a usage error.
            if (flag is null)
                throw new InvalidDataException($"{index}: checkpoint {path} has changed since the index was built (now {identity}, built with {manifest.Checkpoint}); rebuild the index");
            throw new UsageException($"--checkpoint: {identity} is not the checkpoint index {index} was built with ({manifest.Checkpoint}); use that checkpoint or rebuild the index");
        }
        return (CheckpointFlag.Load(path), identity);
    }

    /// <summary>The eval preprocessing of <paramref name="model"/>.</summary>
    public static IndexPreprocessing Preprocessing(EmbeddingModel model, CheckpointIdentity identity)
    {
        int size = model.Info.ImageSize;
        string Meta(string key, string fallback) => identity.Metadata.TryGetValue(key, out var v) ? v : fallback;
        return new IndexPreprocessing(size,
            string.Create(CultureInfo.InvariantCulture, $"resize shorter side to {ImageTransforms.EvalResize(size)}, centre crop {size}"),
            Meta("normalize_mean", "0.485,0.456,0.406"), Meta("normalize_std", "0.229,0.224,0.225"));
    }

    /// <summary>The embeddings of <paramref name="set"/> as a flat array [n × D].</summary>
    public static float[] Embed(EmbeddingModel model, ImageSet set, int workers, int batchSize, CommandContext context)
    {
        using var embeddings = model.Embed(set, workers, batchSize, context);
        return embeddings.Span.ToArray();
    }

    /// <summary>The images of a query argument: one file, or every image under a folder.</summary>
    public static ImageSet Queries(string path)
    {
        if (File.Exists(path)) return ImageSet.FromFiles("query", [new ImageItem(path, -1)]);
        if (Directory.Exists(path))
        {
            var set = EmbedCommand.Folder(path);
            return set.Count > 0 ? set : throw new UsageException($"--query: no PNG or JPEG files in {path}");
        }
        throw new UsageException($"--query: no such file or directory: {path}");
    }
}
