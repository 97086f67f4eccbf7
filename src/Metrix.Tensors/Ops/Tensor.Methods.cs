namespace Metrix.Tensors;

/// <summary>Instance forms of the operations in <see cref="Ops"/>, where a PyTorch user expects them.</summary>
public sealed partial class Tensor
{
    /// <inheritdoc cref="Ops.Exp"/>
    public Tensor Exp() => Ops.Exp(this);

    /// <inheritdoc cref="Ops.Log"/>
    public Tensor Log() => Ops.Log(this);

    /// <inheritdoc cref="Ops.Sqrt"/>
    public Tensor Sqrt() => Ops.Sqrt(this);

    /// <inheritdoc cref="Ops.Pow(Tensor, float)"/>
    public Tensor Pow(float p) => Ops.Pow(this, p);

    /// <inheritdoc cref="Ops.Pow(Tensor, Tensor)"/>
    public Tensor Pow(Tensor exponent) => Ops.Pow(this, exponent);

    /// <inheritdoc cref="Ops.Abs"/>
    public Tensor Abs() => Ops.Abs(this);

    /// <inheritdoc cref="Ops.Relu"/>
    public Tensor Relu() => Ops.Relu(this);

    /// <inheritdoc cref="Ops.Clamp"/>
    public Tensor Clamp(float? min = null, float? max = null) => Ops.Clamp(this, min, max);

    /// <inheritdoc cref="Ops.Softplus"/>
    public Tensor Softplus() => Ops.Softplus(this);

    /// <inheritdoc cref="Ops.Sigmoid"/>
    public Tensor Sigmoid() => Ops.Sigmoid(this);

    /// <inheritdoc cref="Ops.Sum(Tensor)"/>
    public Tensor Sum() => Ops.Sum(this);

    /// <inheritdoc cref="Ops.Sum(Tensor, int, bool)"/>
    public Tensor Sum(int dim, bool keepDim = false) => Ops.Sum(this, dim, keepDim);

    /// <inheritdoc cref="Ops.Mean(Tensor)"/>
    public Tensor Mean() => Ops.Mean(this);

    /// <inheritdoc cref="Ops.Mean(Tensor, int, bool)"/>
    public Tensor Mean(int dim, bool keepDim = false) => Ops.Mean(this, dim, keepDim);

    /// <inheritdoc cref="Ops.Max(Tensor)"/>
    public Tensor Max() => Ops.Max(this);

    /// <inheritdoc cref="Ops.Max(Tensor, int, bool)"/>
    public (Tensor Values, int[] Indices) Max(int dim, bool keepDim = false) => Ops.Max(this, dim, keepDim);

    /// <inheritdoc cref="Ops.Min(Tensor)"/>
    public Tensor Min() => Ops.Min(this);

    /// <inheritdoc cref="Ops.Min(Tensor, int, bool)"/>
    public (Tensor Values, int[] Indices) Min(int dim, bool keepDim = false) => Ops.Min(this, dim, keepDim);

    /// <inheritdoc cref="Ops.Argmax(Tensor, int)"/>
    public int[] Argmax(int dim) => Ops.Argmax(this, dim);

    /// <inheritdoc cref="Ops.LogSumExp(Tensor, int, bool)"/>
    public Tensor LogSumExp(int dim, bool keepDim = false) => Ops.LogSumExp(this, dim, keepDim);

    /// <inheritdoc cref="Ops.Norm(Tensor)"/>
    public Tensor Norm() => Ops.Norm(this);

    /// <inheritdoc cref="Ops.Norm(Tensor, int, bool)"/>
    public Tensor Norm(int dim, bool keepDim = false) => Ops.Norm(this, dim, keepDim);

    /// <inheritdoc cref="Ops.Softmax"/>
    public Tensor Softmax(int dim) => Ops.Softmax(this, dim);

    /// <inheritdoc cref="Ops.LogSoftmax"/>
    public Tensor LogSoftmax(int dim) => Ops.LogSoftmax(this, dim);

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

    /// <inheritdoc cref="Ops.Transpose"/>
    public Tensor Transpose(int dim0, int dim1) => Ops.Transpose(this, dim0, dim1);

    /// <inheritdoc cref="Ops.Permute"/>
    public Tensor Permute(params int[] dims) => Ops.Permute(this, dims);

    /// <inheritdoc cref="Ops.T"/>
    public Tensor T() => Ops.T(this);

    /// <inheritdoc cref="Ops.Narrow"/>
    public Tensor Narrow(int dim, int start, int length) => Ops.Narrow(this, dim, start, length);

    /// <inheritdoc cref="Ops.Expand"/>
    public Tensor Expand(params int[] shape) => Ops.Expand(this, shape);

    /// <inheritdoc cref="Ops.IndexSelect(Tensor, int, ReadOnlySpan{int})"/>
    public Tensor IndexSelect(int dim, ReadOnlySpan<int> indices) => Ops.IndexSelect(this, dim, indices);

    /// <inheritdoc cref="Ops.MatMul"/>
    public Tensor MatMul(Tensor other) => Ops.MatMul(this, other);
}
