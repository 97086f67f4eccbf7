using Metrix.Tensors;

namespace Metrix.Vision.Loading;

/// <summary>CUB and Cars: a fresh permutation per epoch cut into batches, the last incomplete batch dropped.</summary>
public sealed class ShuffledSampler : IBatchSampler
{
    private readonly int _count, _batchSize;
    private readonly ulong _seed;

    /// <summary>Batches of <paramref name="batchSize"/> from <paramref name="count"/> images.</summary>
    public ShuffledSampler(int count, int batchSize, ulong seed)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive; got {batchSize}");
        if (count < batchSize) throw new ArgumentException($"the training split has {count} images, fewer than one batch of {batchSize}");
        _count = count;
        _batchSize = batchSize;
        _seed = seed;
    }

    /// <inheritdoc/>
    public int BatchesPerEpoch => _count / _batchSize;

    /// <inheritdoc/>
    public int[][] Epoch(int epoch)
    {
        var order = new Rng(SeedMixer.Mix(_seed, 1, epoch)).Permutation(_count);
        var batches = new int[BatchesPerEpoch][];
        for (int b = 0; b < batches.Length; b++) batches[b] = order.AsSpan(b * _batchSize, _batchSize).ToArray();
        return batches;
    }
}
