using System.Runtime.CompilerServices;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>Whether 3×3, stride-1, padding-1 convolutions of maps of at most 2×2 run as one dense product (tests switch it off).</summary>
    internal static bool DenseSmallMapConvolutions { get; set; } = true;

    /// <summary>
    /// On a map of at most 2×2 with padding 1, every output pixel of a 3×3 filter sees every input pixel, each through
    /// its own tap: the convolution is the dense linear map y[n, (o,i,j)] = Σ W[(o,i,j), (c,a,b)]·x[n, (c,a,b)] with
    /// W[(o,i,j), (c,a,b)] = w[o, c, 1+a−i, 1+b−j] — one product of P² · O · C per image (P = H·W pixels), against im2col's
    /// 9 · P · O · C, most of which multiplies the zero border.
    /// </summary>
    private static bool UsesDenseSmallMap(ConvGeometry g) =>
        DenseSmallMapConvolutions && g.KH == 3 && g.KW == 3 && g.Stride == 1 && g.Padding == 1 && g.H <= 2 && g.W <= 2;

    /// <summary>W[(o,i,j), (c,a,b)] = w[o, c, 1+a−i, 1+b−j] for maps H×W of at most 2×2 (see <see cref="UsesDenseSmallMap"/>).</summary>
    private static unsafe void DenseSmallMapWeights(ConvGeometry g, float* w, float* dense)
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

    /// <summary>y [N, O·P] = x [N, C·P] · Wᵀ (+ bias per output channel).</summary>
    private static unsafe void DenseSmallMapForward(ConvGeometry g, float* x, float* w, float* bias, float* y)
    {
        int p = g.H * g.W, rows = g.O * p, cols = g.C * p;
        float[] denseArray = BufferPool.Rent(checked(rows * cols), zero: false);
        try
        {
            fixed (float* dense = denseArray)
            {
                DenseSmallMapWeights(g, w, dense);
                Gemm.Multiply(false, true, g.N, rows, cols, 1f, x, cols, dense, cols, 0f, y, rows);
            }
        }
        finally { BufferPool.Return(denseArray); }
        if (bias != null)
            for (int n = 0; n < g.N; n++) AddChannelBias(y + (long)n * rows, bias, g.O, p);
    }

    /// <summary>∂x [N, C·P] (+)= ∂y · W; ∂W = ∂yᵀ · x folded back onto the taps: ∂w[o, c, 1+a−i, 1+b−j] (+)= ∂W[(o,i,j), (c,a,b)].</summary>
    private static unsafe void DenseSmallMapBackward(ConvGeometry g, float* x, float* w, float* gy, float* gx, bool xFresh, float* gw, bool wFresh)
    {
        int p = g.H * g.W, rows = g.O * p, cols = g.C * p;
        float[] denseArray = BufferPool.Rent(checked(rows * cols), zero: false);
        try
        {
            fixed (float* dense = denseArray)
            {
                if (gx != null)
                {
                    DenseSmallMapWeights(g, w, dense);
                    Gemm.Multiply(false, false, g.N, cols, rows, 1f, gy, rows, dense, cols, xFresh ? 0f : 1f, gx, cols);
                }
                if (gw == null) return;
                Gemm.Multiply(true, false, rows, cols, g.N, 1f, gy, rows, x, cols, 0f, dense, cols);
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
}
