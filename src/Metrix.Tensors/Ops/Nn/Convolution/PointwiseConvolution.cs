using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// 1×1 convolution with stride 1 and no padding: x[n] is already the column matrix [C, H·W], so each image is one
/// product y[n] = W·x[n] [O, H·W], with no im2col pass.
/// </summary>
public sealed unsafe class PointwiseConvolution : IConvAlgorithm
{
    /// <inheritdoc/>
    public string Name => "pointwise";

    /// <inheritdoc/>
    public bool Supports(ConvShape shape) => shape.IsPointwise;

    /// <inheritdoc/>
    public void Forward(ConvShape shape, float* x, float* weight, float* bias, float* y, KernelOptions options)
    {
        int c = shape.C, o = shape.O, hw = shape.H * shape.W;
        for (int n = 0; n < shape.N; n++)
        {
            Gemm.Multiply(options, false, false, o, hw, c, 1f, weight, c, x + (long)n * c * hw, hw, 0f, y + (long)n * o * hw, hw);
            if (bias != null) ConvKernels.AddChannelBias(y + (long)n * o * hw, bias, o, hw);
        }
    }

    /// <inheritdoc/>
    public void DataGradient(ConvShape shape, float* weight, float* gy, float* gx, bool accumulate, KernelOptions options) =>
        Backward(shape, null, weight, gy, gx, accumulate, null, false, options);

    /// <inheritdoc/>
    public void WeightGradient(ConvShape shape, float* x, float* gy, float* gw, bool accumulate, KernelOptions options) =>
        Backward(shape, x, null, gy, null, false, gw, accumulate, options);

    /// <summary>Per image: ∂W (+)= gY[n]·x[n]ᵀ and ∂x[n] += Wᵀ·gY[n] (∂x cleared first unless accumulating).</summary>
    public void Backward(ConvShape shape, float* x, float* weight, float* gy, float* gx, bool gxAccumulate, float* gw, bool gwAccumulate,
        KernelOptions options)
    {
        int c = shape.C, o = shape.O, hw = shape.H * shape.W;
        if (gx != null && !gxAccumulate) new Span<float>(gx, checked(shape.N * c * hw)).Clear();
        for (int n = 0; n < shape.N; n++)
        {
            float* gyn = gy + (long)n * o * hw;
            if (gw != null)
                Gemm.Multiply(options, false, true, o, c, hw, 1f, gyn, hw, x + (long)n * c * hw, hw, n == 0 && !gwAccumulate ? 0f : 1f, gw, c);
            if (gx != null)
                Gemm.Multiply(options, true, false, c, hw, o, 1f, weight, c, gyn, hw, 1f, gx + (long)n * c * hw, hw);
        }
    }
}
