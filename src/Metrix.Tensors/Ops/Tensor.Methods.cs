namespace Metrix.Tensors;

/// <summary>Instance forms of the operations in <see cref="Ops"/>, where a PyTorch user expects them.</summary>
public sealed partial class Tensor
{
    /// <inheritdoc cref="Ops.Exp"/>
    public Tensor Exp() => Ops.Exp(this);

    /// <inheritdoc cref="Ops.Relu"/>
    public Tensor Relu() => Ops.Relu(this);

    /// <inheritdoc cref="Ops.Sum(Tensor)"/>
    public Tensor Sum() => Ops.Sum(this);

    /// <inheritdoc cref="Ops.Sum(Tensor, int, bool)"/>
    public Tensor Sum(int dim, bool keepDim = false) => Ops.Sum(this, dim, keepDim);

    /// <inheritdoc cref="Ops.Mean(Tensor)"/>
    public Tensor Mean() => Ops.Mean(this);

    /// <inheritdoc cref="Ops.Mean(Tensor, int, bool)"/>
    public Tensor Mean(int dim, bool keepDim = false) => Ops.Mean(this, dim, keepDim);

    /// <inheritdoc cref="Ops.L2Normalize"/>
    public Tensor L2Normalize(int dim = -1, float eps = 1e-12f) => Ops.L2Normalize(this, dim, eps);

    /// <inheritdoc cref="Ops.Reshape"/>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    /// <inheritdoc cref="Ops.View"/>
    public Tensor View(params int[] shape) => Ops.Reshape(this, shape);

    /// <inheritdoc cref="Ops.Flatten"/>
    public Tensor Flatten(int startDim = 0, int endDim = -1) => Ops.Flatten(this, startDim, endDim);

    /// <inheritdoc cref="Ops.Squeeze(Tensor, int)"/>
    public Tensor Squeeze(int dim) => Ops.Squeeze(this, dim);

    /// <inheritdoc cref="Ops.Unsqueeze"/>
    public Tensor Unsqueeze(int dim) => Ops.Unsqueeze(this, dim);
}
