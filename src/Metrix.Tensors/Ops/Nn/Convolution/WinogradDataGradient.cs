using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// The data gradient of <see cref="WinogradConvolution"/>: with padding 1 and stride 1, ∂x is the convolution of the
/// output gradient by the filters turned by 180° with their channels swapped (w [O, C, 3, 3] read as [C, O, 3, 3]),
/// so it runs <see cref="WinogradForward.Convolve"/> on ∂y with the turned filter transform.
/// </summary>
internal static unsafe class WinogradDataGradient
{
    /// <summary>gx [N, C, H, W] (+)= the data gradient of y = conv3×3(x, w, padding 1) for gy [N, O, H, W].</summary>
    internal static void Run(ConvShape shape, float* weight, float* gy, float* gx, bool accumulate, KernelOptions options) =>
        WinogradForward.Convolve(gy, shape.N, shape.O, shape.H, shape.W, weight, backwardData: true, shape.C, null, gx,
            accumulate, options);
}
