using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Vision.Datasets;
using Metrix.Vision.Loading;

namespace Metrix.Evaluation;

/// <summary>
/// Evaluates a model under a dataset's protocol (docs/method.md#evaluation-protocols): embeds the query split
/// (and the gallery for In-Shop) with the eval pipeline and computes Recall@K and MAP@R. The decoded images are
/// cached across calls, so evaluating after every epoch decodes each image once.
/// </summary>
public sealed class Evaluator
{
    private readonly ImageCache _queries;
    private readonly ImageCache? _gallery;
    private readonly int _imageSize, _workers, _batchSize;

    /// <summary>An evaluator of <paramref name="queries"/> (searched among themselves, or in <paramref name="gallery"/>).</summary>
    public Evaluator(RetrievalProtocol protocol, ImageSet queries, ImageSet? gallery, int imageSize, int workers, int batchSize = 100,
        Func<ImageSet, ImageCache>? cache = null)
    {
        cache ??= set => new ImageCache(set);
        if (protocol.QueryVsGallery != (gallery is not null))
            throw new ArgumentException($"the {protocol.Name} protocol {(protocol.QueryVsGallery ? "needs" : "takes no")} gallery split");
        Protocol = protocol;
        _queries = cache(queries);
        _gallery = gallery is null ? null : cache(gallery);
        _imageSize = imageSize;
        _workers = workers;
        _batchSize = batchSize;
    }

    /// <summary>
    /// An evaluator for a loaded dataset: In-Shop's query/gallery, otherwise its test split. Images are cached
    /// already resized to the eval resize side (the same pixels the eval pipeline makes), in memory or, for
    /// large splits, under <paramref name="diskRoot"/>.
    /// </summary>
    public static Evaluator ForDataset(DatasetSplits data, int imageSize, int workers, string? diskRoot = null)
    {
        var protocol = RetrievalProtocol.ForDataset(data.Name);
        int side = Metrix.Vision.Transforms.ImageTransforms.EvalResize(imageSize);
        Func<ImageSet, ImageCache> cache = diskRoot is null
            ? set => new ImageCache(set, side)
            : set => ImageCache.ForSplit(set, side, diskRoot, data.Name);
        return data.HasGallery
            ? new Evaluator(protocol, data["query"], data["gallery"], imageSize, workers, cache: cache)
            : new Evaluator(protocol, data["test"], null, imageSize, workers, cache: cache);
    }

    /// <summary>The protocol (Recall@K cut-offs, query-vs-gallery or self).</summary>
    public RetrievalProtocol Protocol { get; }

    /// <summary>Images embedded per evaluation.</summary>
    public int Images => _queries.Set.Count + (_gallery?.Set.Count ?? 0);

    /// <summary>Embeds and evaluates; the model is put in eval mode and restored afterwards.</summary>
    public RetrievalResult Evaluate(EmbeddingNet model, CancellationToken cancel = default, Action<int, int>? progress = null)
    {
        int done = 0, total = Images;
        Action<int> report = n => progress?.Invoke(done += n, total);
        using var queries = Embed(model, _queries, _imageSize, _workers, _batchSize, cancel, report);
        using var gallery = _gallery is null ? null : Embed(model, _gallery, _imageSize, _workers, _batchSize, cancel, report);
        return Retrieval.Evaluate(Protocol, queries, _queries.Set.Labels(), gallery, _gallery?.Set.Labels() ?? default, mapAtR: true);
    }

    /// <summary>
    /// The embeddings [N, D] of every image of <paramref name="cache"/>'s split, in order, with the eval
    /// pipeline at <paramref name="imageSize"/>; the caller disposes the tensor.
    /// </summary>
    public static Tensor Embed(EmbeddingNet model, ImageCache cache, int imageSize, int workers, int batchSize = 100,
        CancellationToken cancel = default, Action<int>? progress = null)
    {
        bool training = model.IsTraining;
        model.Eval();
        try
        {
            int n = cache.Set.Count, d = model.EmbeddingSize;
            var result = TensorScope.Outside(() => Tensor.Empty(n, d));
            try
            {
                var loader = new BatchLoader(cache, imageSize, train: false, workers, seed: 0);
                int row = 0;
                foreach (var batch in loader.Sequential(batchSize, cancel))
                {
                    using (batch)
                    using (new TensorScope())
                    using (Autograd.NoGrad())
                    {
                        var e = model.Forward(batch.Images);
                        e.Span.CopyTo(result.Span.Slice(row * d));
                        row += batch.Labels.Length;
                        progress?.Invoke(batch.Labels.Length);
                    }
                }
            }
            catch
            {
                result.Dispose();
                throw;
            }
            return result;
        }
        finally
        {
            model.Train(training);
        }
    }
}
