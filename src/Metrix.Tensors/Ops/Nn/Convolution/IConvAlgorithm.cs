using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// One way of computing a 2-D convolution and its two gradients on raw NCHW buffers. <see cref="ConvAlgorithms.Plan"/>
/// picks one per shape; tests and benchmarks pass one to <see cref="Ops.Conv2d"/> to run it on any shape it supports.
/// </summary>
public unsafe interface IConvAlgorithm
{
    /// <summary>A short name for reports and benchmarks.</summary>
    string Name { get; }

    /// <summary>Whether the algorithm computes convolutions of <paramref name="shape"/>.</summary>
    bool Supports(ConvShape shape);

    /// <summary>y [N,O,Ho,Wo] = conv(x [N,C,H,W], weight [O,C,KH,KW]) + bias [O] (bias may be null).</summary>
    void Forward(ConvShape shape, float* x, float* weight, float* bias, float* y, KernelOptions options);

    /// <summary>gx [N,C,H,W] (+)= the data gradient for the output gradient gy [N,O,Ho,Wo]; overwritten unless <paramref name="accumulate"/>.</summary>
    void DataGradient(ConvShape shape, float* weight, float* gy, float* gx, bool accumulate, KernelOptions options);

    /// <summary>gw [O,C,KH,KW] (+)= the weight gradient for gy [N,O,Ho,Wo]; overwritten unless <paramref name="accumulate"/>.</summary>
    void WeightGradient(ConvShape shape, float* x, float* gy, float* gw, bool accumulate, KernelOptions options);

    /// <summary>
    /// Both gradients (a null <paramref name="gx"/> or <paramref name="gw"/> is skipped): the weight gradient, then the data
    /// gradient, unless the algorithm shares work between them.
    /// </summary>
    void Backward(ConvShape shape, float* x, float* weight, float* gy, float* gx, bool gxAccumulate, float* gw, bool gwAccumulate,
        KernelOptions options)
    {
        if (gw != null) WeightGradient(shape, x, gy, gw, gwAccumulate, options);
        if (gx != null) DataGradient(shape, weight, gy, gx, gxAccumulate, options);
    }
}
