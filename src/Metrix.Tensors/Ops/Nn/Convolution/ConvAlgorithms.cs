namespace Metrix.Tensors;

/// <summary>The convolution algorithms, and the planner that picks one per shape.</summary>
public static class ConvAlgorithms
{
    /// <summary>im2col blocks and a GEMM: every shape.</summary>
    public static IConvAlgorithm Im2Col { get; } = new Im2ColConvolution();

    /// <summary>Winograd's minimal filtering F(2×2, 3×3): 3×3 filters, stride 1, padding 1.</summary>
    public static IConvAlgorithm Winograd { get; } = new WinogradConvolution();

    /// <summary>One dense product per batch: 3×3 filters, stride 1, padding 1, on maps of at most 2×2.</summary>
    public static IConvAlgorithm DenseSmallMap { get; } = new DenseSmallMapConvolution();

    /// <summary>One GEMM per image: 1×1 filters, stride 1, no padding.</summary>
    public static IConvAlgorithm Pointwise { get; } = new PointwiseConvolution();

    /// <summary>Every algorithm.</summary>
    public static IReadOnlyList<IConvAlgorithm> All { get; } = [Im2Col, Winograd, DenseSmallMap, Pointwise];

    /// <summary>
    /// The algorithm <see cref="Ops.Conv2d"/> runs for <paramref name="shape"/>: Winograd where its tiles fit the map
    /// (<see cref="WinogradConvolution.Fits"/>), the dense product on maps of at most 2×2, the pointwise product on
    /// 1×1 convolutions of maps of at least 1024 pixels, im2col otherwise.
    /// </summary>
    public static IConvAlgorithm Plan(ConvShape shape)
    {
        if (Winograd.Supports(shape) && WinogradConvolution.Fits(shape)) return Winograd;
        if (DenseSmallMap.Supports(shape)) return DenseSmallMap;
        // Small 1×1 maps give thin products per image; im2col's blocks of several images are wider.
        if (Pointwise.Supports(shape) && shape.OutH * shape.OutW >= ConvShape.BlockColumns / 2) return Pointwise;
        return Im2Col;
    }
}
