using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// 3×3 convolution with stride 1 and padding 1 by Winograd's minimal filtering F(2×2, 3×3): 16 products of
/// transformed filters and 4×4 input patches give each 2×2 output tile, 2.25 times fewer multiplications than the
/// direct product. The passes live by direction: <see cref="WinogradForward"/>, <see cref="WinogradDataGradient"/>
/// and <see cref="WinogradWeightGradient"/>.
/// </summary>
public sealed unsafe class WinogradConvolution : IConvAlgorithm
{
    /// <inheritdoc/>
    public string Name => "winograd";

    /// <inheritdoc/>
    public bool Supports(ConvShape shape) => shape.IsSame3x3;

    /// <summary>
    /// Whether the planner prefers Winograd for a shape it supports: maps of more than 2×2 whose 2×2 tiles overhang them
    /// by at most 15 %. On 2×2 maps and smaller a tile is the whole map and im2col's product, which is no longer than
    /// Winograd's there, runs faster without the transforms; odd maps such as ResNet-50's 7×7 at 224 px compute 64
    /// outputs for 49 and measured no faster than im2col (25 against 22 ms forward at batch 16).
    /// </summary>
    public static bool Fits(ConvShape shape) =>
        shape.H * shape.W > 4 && 20L * 4 * ((shape.H + 1) / 2) * ((shape.W + 1) / 2) <= 23L * shape.H * shape.W;

    /// <inheritdoc/>
    public void Forward(ConvShape shape, float* x, float* weight, float* bias, float* y, KernelOptions options) =>
        WinogradForward.Convolve(x, shape.N, shape.C, shape.H, shape.W, weight, backwardData: false, shape.O, bias, y,
            accumulate: false, options);

    /// <inheritdoc/>
    public void DataGradient(ConvShape shape, float* weight, float* gy, float* gx, bool accumulate, KernelOptions options) =>
        WinogradDataGradient.Run(shape, weight, gy, gx, accumulate, options);

    /// <inheritdoc/>
    public void WeightGradient(ConvShape shape, float* x, float* gy, float* gw, bool accumulate, KernelOptions options) =>
        WinogradWeightGradient.Run(x, gy, shape.N, shape.C, shape.H, shape.W, shape.O, gw, accumulate, options);
}
