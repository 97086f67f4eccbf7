using System.Runtime.CompilerServices;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// 3×3 convolution with stride 1 and padding 1 on maps of at most 2×2, as one dense product. Every output pixel of the
/// filter sees every input pixel, each through its own tap: the convolution is the dense linear map
/// y[n, (o,i,j)] = Σ W[(o,i,j), (c,a,b)]·x[n, (c,a,b)] with W[(o,i,j), (c,a,b)] = w[o, c, 1+a−i, 1+b−j] — one product of
/// P² · O · C per image (P = H·W pixels), against im2col's 9 · P · O · C, most of which multiplies the zero border.
/// </summary>
public sealed unsafe class DenseSmallMapConvolution : IConvAlgorithm
{
    /// <inheritdoc/>
    public string Name => "dense";

    /// <inheritdoc/>
    public bool Supports(ConvShape shape) => shape.IsSame3x3 && shape.H <= 2 && shape.W <= 2;

    /// <summary>y [N, O·P] = x [N, C·P] · Wᵀ (+ bias per output channel).</summary>
    public void Forward(ConvShape shape, float* x, float* weight, float* bias, float* y, KernelOptions options)
    {
        var g = shape;
        int p = g.H * g.W, rows = g.O * p, cols = g.C * p;
        float[] denseArray = BufferPool.Rent(checked(rows * cols), zero: false);
        try
        {
            fixed (float* dense = denseArray)
            {
                DenseWeights(g, weight, dense);
                Gemm.Multiply(options, false, true, g.N, rows, cols, 1f, x, cols, dense, cols, 0f, y, rows);
            }
        }
        finally { BufferPool.Return(denseArray); }
        if (bias != null)
            for (int n = 0; n < g.N; n++) ConvKernels.AddChannelBias(y + (long)n * rows, bias, g.O, p);
    }

    /// <summary>∂x [N, C·P] (+)= ∂y · W.</summary>
    public void DataGradient(ConvShape shape, float* weight, float* gy, float* gx, bool accumulate, KernelOptions options)
    {
        var g = shape;
        int p = g.H * g.W, rows = g.O * p, cols = g.C * p;
        float[] denseArray = BufferPool.Rent(checked(rows * cols), zero: false);
        try
        {
            fixed (float* dense = denseArray)
            {
                DenseWeights(g, weight, dense);
                Gemm.Multiply(options, false, false, g.N, cols, rows, 1f, gy, rows, dense, cols, accumulate ? 1f : 0f, gx, cols);
            }
        }
        finally { BufferPool.Return(denseArray); }
    }

    /// <summary>∂W = ∂yᵀ · x folded back onto the taps: ∂w[o, c, 1+a−i, 1+b−j] (+)= ∂W[(o,i,j), (c,a,b)].</summary>
    public void WeightGradient(ConvShape shape, float* x, float* gy, float* gw, bool accumulate, KernelOptions options)
    {
        var g = shape;
        bool wFresh = !accumulate;
        int p = g.H * g.W, rows = g.O * p, cols = g.C * p;
        float[] denseArray = BufferPool.Rent(checked(rows * cols), zero: false);
        try
        {
            fixed (float* dense = denseArray)
            {
                Gemm.Multiply(options, true, false, rows, cols, g.N, 1f, gy, rows, x, cols, 0f, dense, cols);
                nint dp = (nint)dense, wp = (nint)gw;
                Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, cols * p)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
                {
                    float* taps = stackalloc float[9];
                    for (int o = o0; o < o1; o++)
                        for (int c = 0; c < g.C; c++)
                        {
                            for (int t = 0; t < 9; t++) taps[t] = 0f;
                            for (int i = 0; i < g.H; i++)
                                for (int j = 0; j < g.W; j++)
                                {
                                    float* row = (float*)dp + ((long)o * p + i * g.W + j) * cols + c * p;
                                    for (int a = 0; a < g.H; a++)
                                        for (int b = 0; b < g.W; b++)
                                            taps[(1 + a - i) * 3 + 1 + b - j] += row[a * g.W + b];
                                }
                            float* dst = (float*)wp + ((long)o * g.C + c) * 9;
                            for (int t = 0; t < 9; t++) dst[t] = wFresh ? taps[t] : dst[t] + taps[t];
                        }
                });
            }
        }
        finally { BufferPool.Return(denseArray); }
    }

    /// <summary>W[(o,i,j), (c,a,b)] = w[o, c, 1+a−i, 1+b−j] for maps H×W of at most 2×2.</summary>
    private static void DenseWeights(ConvShape g, float* w, float* dense)
    {
        int p = g.H * g.W, cols = g.C * p;
        nint wp = (nint)w, dp = (nint)dense;
        Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, cols * p)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int i = 0; i < g.H; i++)
                    for (int j = 0; j < g.W; j++)
                    {
                        float* row = (float*)dp + ((long)o * p + i * g.W + j) * cols;
                        for (int c = 0; c < g.C; c++)
                        {
                            float* filter = (float*)wp + ((long)o * g.C + c) * 9;
                            for (int a = 0; a < g.H; a++)
                                for (int b = 0; b < g.W; b++)
                                    row[c * p + a * g.W + b] = filter[(1 + a - i) * 3 + 1 + b - j];
                        }
                    }
        });
    }
}
