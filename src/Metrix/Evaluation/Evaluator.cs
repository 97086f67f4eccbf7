using Metrix.Distributed;
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

    /// <summary>
    /// Embeds and evaluates; the model is put in eval mode and restored afterwards. With a
    /// <paramref name="communicator"/> of several ranks, each rank embeds its share of the images (see
    /// <see cref="Embed"/>) and every rank gets the same result, equal to one process's.
    /// </summary>
    public RetrievalResult Evaluate(EmbeddingNet model, CancellationToken cancel = default, Action<int, int>? progress = null,
        ICommunicator? communicator = null)
    {
        int done = 0, total = Images;
        Action<int> report = n => progress?.Invoke(done += n, total);
        using var queries = Embed(model, _queries, _imageSize, _workers, _batchSize, cancel, report, communicator);
        using var gallery = _gallery is null ? null : Embed(model, _gallery, _imageSize, _workers, _batchSize, cancel, report, communicator);
        return Retrieval.Evaluate(Protocol, queries, _queries.Set.Labels(), gallery, _gallery?.Set.Labels() ?? default, mapAtR: true);
    }

    /// <summary>
    /// The embeddings [N, D] of every image of <paramref name="cache"/>'s split, in order, with the eval
    /// pipeline at <paramref name="imageSize"/>; the caller disposes the tensor. The split is cut into batches of
    /// <paramref name="batchSize"/>; with a <paramref name="communicator"/> of several ranks, each rank embeds a
    /// contiguous run of those same batches and the rows are gathered on every rank. Each row is thus computed in
    /// the very batch a single process computes it in, so the result equals one process's bit for bit whatever
    /// the kernels' blocking by batch size.
    /// </summary>
    public static Tensor Embed(EmbeddingNet model, ImageCache cache, int imageSize, int workers, int batchSize = 100,
        CancellationToken cancel = default, Action<int>? progress = null, ICommunicator? communicator = null)
    {
        communicator ??= SingleProcess.Instance;
        bool training = model.IsTraining;
        model.Eval();
        try
        {
            int n = cache.Set.Count, d = model.EmbeddingSize;
            var result = TensorScope.Outside(() => Tensor.Empty(n, d));
            try
            {
                var loader = new BatchLoader(cache, imageSize, train: false, workers, seed: 0);
                int batches = (n + batchSize - 1) / batchSize, ranks = communicator.Size;
                // Rank r's batches are [First(r), First(r + 1)): contiguous, so the gathered rows are in order.
                int First(int rank) => (int)((long)batches * rank / ranks);
                int Row(int batch) => Math.Min(n, batch * batchSize);
                int me = communicator.Rank, from = First(me), to = First(me + 1);
                var mine = Enumerable.Range(from, to - from)
                    .Select(b => Enumerable.Range(b * batchSize, Math.Min(batchSize, n - b * batchSize)).ToArray()).ToArray();
                int row = Row(from);
                foreach (var batch in loader.Load(mine, 0, cancel))
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
                if (ranks > 1)
                {
                    var counts = Enumerable.Range(0, ranks).Select(r => (Row(First(r + 1)) - Row(First(r))) * d).ToArray();
                    using var own = TensorScope.Outside(() => Tensor.Empty(Math.Max(1, counts[me])));
                    var send = own.Span[..counts[me]];
                    result.Span.Slice(Row(from) * d, counts[me]).CopyTo(send);
                    communicator.AllGather(send, result.Span, counts);
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
