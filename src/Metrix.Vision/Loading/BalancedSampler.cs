using Metrix.Tensors;

namespace Metrix.Vision.Loading;

/// <summary>
/// SOP, In-Shop and emoji: each batch draws <c>batch_size / images_per_class</c> distinct classes and
/// <c>images_per_class</c> images of each with replacement; an epoch has <c>images / batch_size</c> batches.
/// </summary>
public sealed class BalancedSampler : IBatchSampler
{
    private readonly int[][] _byClass;
    private readonly int _count, _batchSize, _perClass;
    private readonly ulong _seed;

    /// <summary>A sampler over images with <paramref name="labels"/>.</summary>
    public BalancedSampler(IReadOnlyList<int> labels, int batchSize, int imagesPerClass, ulong seed)
    {
        if (imagesPerClass < 1 || batchSize % imagesPerClass != 0)
            throw new ArgumentException($"--batch_size ({batchSize}) must be a multiple of --images_per_class ({imagesPerClass})");
        _byClass = labels.Select((label, index) => (label, index)).GroupBy(p => p.label).OrderBy(g => g.Key)
            .Select(g => g.Select(p => p.index).ToArray()).ToArray();
        if (_byClass.Length < batchSize / imagesPerClass)
            throw new ArgumentException($"a batch needs {batchSize / imagesPerClass} distinct classes but the training split has {_byClass.Length}");
        _count = labels.Count;
        _batchSize = batchSize;
        _perClass = imagesPerClass;
        _seed = seed;
    }

    /// <inheritdoc/>
    public int BatchesPerEpoch => Math.Max(1, _count / _batchSize);

    /// <inheritdoc/>
    public int[][] Epoch(int epoch)
    {
        var rng = new Rng(SeedMixer.Mix(_seed, 2, epoch));
        int classes = _batchSize / _perClass;
        var batches = new int[BatchesPerEpoch][];
        for (int b = 0; b < batches.Length; b++)
        {
            var batch = new int[_batchSize];
            var chosen = rng.Choice(_byClass.Length, classes, replace: false);
            for (int c = 0; c < classes; c++)
            {
                var members = _byClass[chosen[c]];
                for (int i = 0; i < _perClass; i++) batch[c * _perClass + i] = members[rng.NextInt(members.Length)];
            }
            batches[b] = batch;
        }
        return batches;
    }
}
