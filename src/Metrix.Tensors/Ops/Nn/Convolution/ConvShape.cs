namespace Metrix.Tensors;

/// <summary>
/// The shape of a 2-D convolution (groups 1, dilation 1): input [N, C, H, W], filters [O, C, KH, KW], the stride and
/// the zero padding on every side; output [N, O, <see cref="OutH"/>, <see cref="OutW"/>].
/// </summary>
/// <param name="N">Images.</param>
/// <param name="C">Input channels.</param>
/// <param name="H">Input rows.</param>
/// <param name="W">Input columns.</param>
/// <param name="O">Output channels.</param>
/// <param name="KH">Filter rows.</param>
/// <param name="KW">Filter columns.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="Padding">Zeros added on every side.</param>
public readonly record struct ConvShape(int N, int C, int H, int W, int O, int KH, int KW, int Stride, int Padding)
{
    /// <summary>Columns of an im2col block: images are grouped until a block holds about this many output pixels.</summary>
    internal const int BlockColumns = 2048;

    /// <summary>Output rows.</summary>
    public int OutH => (H + 2 * Padding - KH) / Stride + 1;

    /// <summary>Output columns.</summary>
    public int OutW => (W + 2 * Padding - KW) / Stride + 1;

    /// <summary>Rows of the zero-bordered input.</summary>
    public int PaddedH => H + 2 * Padding;

    /// <summary>Columns of the zero-bordered input.</summary>
    public int PaddedW => W + 2 * Padding;

    /// <summary>Floats of the zero-bordered input [N, C, H + 2pad, W + 2pad].</summary>
    internal int PaddedSize => checked(N * C * PaddedH * PaddedW);

    /// <summary>Whether the filters are 3×3 with stride 1 and padding 1 (same-size output).</summary>
    public bool IsSame3x3 => KH == 3 && KW == 3 && Stride == 1 && Padding == 1;

    /// <summary>Whether the filters are 1×1 with stride 1 and no padding: x[n] is already the column matrix [C, H·W].</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && Stride == 1 && Padding == 0;

    /// <summary>The shape of <paramref name="x"/> [N,C,H,W] convolved by <paramref name="weight"/> [O,C,kh,kw].</summary>
    public static ConvShape Of(Tensor x, Tensor weight, int stride, int padding) =>
        new(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), weight.Dim(0), weight.Dim(2), weight.Dim(3), stride, padding);

    /// <summary>Offset of output pixel (i, j) in a padded plane, for kernel tap (0, 0): i·s·Wp + j·s.</summary>
    internal int[] ColumnOffsets()
    {
        var offsets = new int[OutH * OutW];
        for (int i = 0; i < OutH; i++)
            for (int j = 0; j < OutW; j++) offsets[i * OutW + j] = i * Stride * PaddedW + j * Stride;
        return offsets;
    }

    /// <summary>Images per im2col block: enough for wide products, bounded so cols stays under 64 MB.</summary>
    internal int BlockImages
    {
        get
        {
            int hw = OutH * OutW;
            int byWidth = Math.Max(1, BlockColumns / hw);
            long perImage = (long)C * KH * KW * hw;
            int byMemory = (int)Math.Max(1, (16L << 20) / Math.Max(1, perImage));
            return Math.Clamp(Math.Min(byWidth, byMemory), 1, N);
        }
    }
}
