namespace Metrix.Vision.Loading;

/// <summary>Chooses the images of each batch of an epoch; the same seed and epoch give the same batches.</summary>
public interface IBatchSampler
{
    /// <summary>Batches in one epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>The dataset indices of every batch of <paramref name="epoch"/>.</summary>
    int[][] Epoch(int epoch);
}
