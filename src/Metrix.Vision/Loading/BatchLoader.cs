using System.Collections.Concurrent;
using Metrix.Tensors;
using Metrix.Vision.Transforms;

namespace Metrix.Vision.Loading;

/// <summary>
/// Turns batches of indices into normalised NCHW tensors on background threads, a few batches ahead of the
/// consumer, so a training step does not wait for decoding or augmentation. Images come from an
/// <see cref="ImageCache"/> (decoded once); train batches get RandomResizedCrop + flip with a generator
/// seeded by (seed, epoch, batch, position), so the pixels do not depend on the number of threads.
/// </summary>
public sealed class BatchLoader
{
    private readonly ImageCache _cache;
    private readonly int _size, _workers, _prefetch;
    private readonly bool _train;
    private readonly ulong _seed;
    private readonly double _cropScale;

    /// <summary>
    /// A loader of <paramref name="cache"/>'s split at <paramref name="size"/> pixels: <paramref name="train"/>
    /// selects the train pipeline (else eval); <paramref name="workers"/> threads prepare
    /// <paramref name="prefetch"/> batches ahead; train crops cover at least <paramref name="cropScale"/> of the image's area.
    /// </summary>
    public BatchLoader(ImageCache cache, int size, bool train, int workers, ulong seed, int prefetch = 3,
        double cropScale = ImageTransforms.DefaultScaleMin)
    {
        if (!(cropScale > 0 && cropScale <= 1)) throw new ArgumentOutOfRangeException(nameof(cropScale), $"the smallest crop area must lie in (0, 1]; got {cropScale}");
        _cropScale = cropScale;
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), $"image size must be at least 8 pixels; got {size}");
        _cache = cache;
        _size = size;
        _train = train;
        _workers = Math.Max(1, workers);
        _seed = seed;
        _prefetch = Math.Max(1, prefetch);
    }

    /// <summary>The batches of <paramref name="batches"/> in order, prepared in the background.</summary>
    public IEnumerable<Batch> Load(int[][] batches, int epoch, CancellationToken cancel = default) => Load(batches, epoch, null, cancel);

    /// <summary>
    /// The batches of <paramref name="batches"/> in order, prepared in the background, where batch b holds rows
    /// <paramref name="firstRows"/>[b], … of a larger batch (a data-parallel rank's shard): each image is augmented as
    /// it would be at its row of the whole batch, so the shards of all ranks together are the whole batch's pixels.
    /// </summary>
    public IEnumerable<Batch> Load(int[][] batches, int epoch, IReadOnlyList<int>? firstRows, CancellationToken cancel = default)
    {
        if (firstRows is not null && firstRows.Count != batches.Length)
            throw new ArgumentException($"{firstRows.Count} first rows for {batches.Length} batches", nameof(firstRows));
        using var queue = new BlockingCollection<Batch>(_prefetch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Exception? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                for (int b = 0; b < batches.Length; b++)
                {
                    var batch = Make(batches[b], epoch, b, firstRows?[b] ?? 0);
                    try
                    {
                        queue.Add(batch, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        batch.Dispose();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failure = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable(cancel))
                yield return batch;
            producer.Wait();
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
        finally
        {
            stop.Cancel();
            while (queue.TryTake(out var left)) left.Dispose();
            try { producer.Wait(); } catch (AggregateException) { }
            while (queue.TryTake(out var left)) left.Dispose();
        }
    }

    /// <summary>The whole split in order, in batches of <paramref name="batchSize"/> (the last may be smaller).</summary>
    public IEnumerable<Batch> Sequential(int batchSize, CancellationToken cancel = default)
    {
        int n = _cache.Set.Count;
        var batches = new int[(n + batchSize - 1) / batchSize][];
        for (int b = 0; b < batches.Length; b++)
            batches[b] = Enumerable.Range(b * batchSize, Math.Min(batchSize, n - b * batchSize)).ToArray();
        return Load(batches, 0, cancel);
    }

    /// <summary>Prepares one batch synchronously; its rows are rows <paramref name="firstRow"/>, … of batch <paramref name="batchIndex"/> (for the augmentation).</summary>
    public Batch Make(int[] indices, int epoch, int batchIndex, int firstRow = 0)
    {
        int plane = 3 * _size * _size;
        var images = TensorScope.Outside(() => Tensor.Empty(indices.Length, 3, _size, _size));
        var labels = new int[indices.Length];
        try
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = _workers };
            Parallel.For(0, indices.Length, options, i =>
            {
                var image = _cache.Get(indices[i]);
                var destination = images.Span.Slice(i * plane, plane);
                if (_train)
                    ImageTransforms.Train(image, _size, new Rng(SeedMixer.Mix(_seed, 3, epoch, batchIndex, firstRow + i)), destination, _cropScale);
                else
                    ImageTransforms.Eval(image, _size, destination);
                labels[i] = _cache.Set.Items[indices[i]].Label;
            });
        }
        catch (AggregateException e)
        {
            images.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        return new Batch(images, labels, indices);
    }
}
