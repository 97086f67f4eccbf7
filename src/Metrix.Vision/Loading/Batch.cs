using Metrix.Tensors;

namespace Metrix.Vision.Loading;

/// <summary>A batch ready for the network: normalised images [N, 3, S, S], their labels and dataset indices. Dispose it after the step.</summary>
public sealed class Batch(Tensor images, int[] labels, int[] indices) : IDisposable
{
    /// <summary>Images as NCHW floats.</summary>
    public Tensor Images { get; } = images;

    /// <summary>Class labels, one per image.</summary>
    public int[] Labels { get; } = labels;

    /// <summary>Indices of the images in their split.</summary>
    public int[] Indices { get; } = indices;

    /// <inheritdoc/>
    public void Dispose() => Images.Dispose();
}
