using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>Columns of an im2col block: images are grouped until a block holds about this many output pixels.</summary>
    private const int ConvBlockColumns = 2048;

    /// <summary>
    /// 2-D convolution (cross-correlation, groups 1, dilation 1) of x [N,C,H,W] with weight [O,C,kh,kw] and an
    /// optional bias [O]: y[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q]·x[n,c,i·s+p−pad,j·s+q−pad] (zero padding),
    /// output [N,O,(H+2pad−kh)/s+1,(W+2pad−kw)/s+1].
    /// </summary>
    /// <remarks>
    /// Images are processed in blocks of several images at once, so small feature maps still give wide
    /// matrix products: cols [C·kh·kw, G·Ho·Wo] (im2col), Y = W·cols, scattered to NCHW. The backward
    /// recomputes cols: ∂W = Σ gY·colsᵀ, ∂cols = Wᵀ·gY then col2im into ∂x, ∂b = Σ gY.
    /// </remarks>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0)
    {
        if (x.Rank != 4 || weight.Rank != 4 || weight.Dim(1) != x.Dim(1))
            throw new ArgumentException($"Conv2d expects x [N,C,H,W] and weight [O,C,kh,kw]; got {Shapes.Format(x.Shape)} and {Shapes.Format(weight.Shape)}");
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != weight.Dim(0)))
            throw new ArgumentException($"Conv2d bias must be [{weight.Dim(0)}]; got {Shapes.Format(bias.Shape)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var g = new ConvGeometry(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), weight.Dim(0), weight.Dim(2), weight.Dim(3), stride, padding);
        if (g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException($"Conv2d output would be empty: input {Shapes.Format(x.Shape)}, kernel {g.KH}×{g.KW}, stride {stride}, padding {padding}");
        var y = Tensor.Empty(g.N, g.O, g.OutH, g.OutW);
        ConvForward(g, x, weight, bias, y);
        return Autograd.Record(y, "conv2d", (gy, grads) => ConvBackward(g, x, weight, bias, gy, grads), bias is null ? [x, weight] : [x, weight, bias]);
    }

    private static unsafe void ConvForward(ConvGeometry g, Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW;
        float* w = weight.Pointer, xp = x.Pointer, yp = y.Pointer;
        float* bp = bias is null ? null : bias.Pointer;
        if (g.IsPointwise)
        {
            // 1×1, stride 1, no padding, large maps: x[n] is already the column matrix [C, H·W].
            for (int n = 0; n < g.N; n++)
            {
                Gemm.Multiply(false, false, g.O, hw, rows, 1f, w, rows, xp + (long)n * g.C * hw, hw, 0f, yp + (long)n * g.O * hw, hw);
                if (bp != null) AddChannelBias(yp + (long)n * g.O * hw, bp, g.O, hw);
            }
            return;
        }
        int block = g.BlockImages;
        float[] colsArray = BufferPool.Rent(rows * block * hw, zero: false);
        float[] outArray = BufferPool.Rent(g.O * block * hw, zero: false);
        try
        {
            fixed (float* cols = colsArray, outBlock = outArray)
            {
                for (int n0 = 0; n0 < g.N; n0 += block)
                {
                    int images = Math.Min(block, g.N - n0);
                    int width = images * hw;
                    Im2Col(g, xp, n0, images, cols);
                    Gemm.Multiply(false, false, g.O, width, rows, 1f, w, rows, cols, width, 0f, outBlock, width);
                    ScatterBlock(g, outBlock, yp, bp, n0, images);
                }
            }
        }
        finally
        {
            BufferPool.Return(colsArray);
            BufferPool.Return(outArray);
        }
    }

    private static unsafe void ConvBackward(ConvGeometry g, Tensor x, Tensor weight, Tensor? bias, Tensor gy, Gradients grads)
    {
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW;
        bool needX = Gradients.Needs(x), needW = Gradients.Needs(weight), needB = bias is not null && Gradients.Needs(bias);
        float* w = weight.Pointer, xp = x.Pointer, gyp = gy.Pointer;
        if (needB)
        {
            var gb = grads.Slot(bias!, out bool fresh);
            float* gbp = gb.Pointer;
            int o = g.O, n = g.N;
            Workers.For(o, 8, (s, e) =>
            {
                for (int c = s; c < e; c++)
                {
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += Elementwise.Sum(new ReadOnlySpan<float>(gyp + ((long)i * o + c) * hw, hw));
                    gbp[c] = fresh ? (float)sum : gbp[c] + (float)sum;
                }
            });
        }
        if (!needX && !needW) return;
        float* gw = null;
        bool wFresh = false;
        if (needW) gw = grads.Slot(weight, out wFresh).Pointer;
        float* gx = null;
        if (needX)
        {
            var gxT = grads.Slot(x, out bool xFresh);
            if (xFresh) gxT.Span.Clear();
            gx = gxT.Pointer;
        }
        if (g.IsPointwise)
        {
            for (int n = 0; n < g.N; n++)
            {
                float* gyn = gyp + (long)n * g.O * hw;
                if (needW)
                    Gemm.Multiply(false, true, g.O, rows, hw, 1f, gyn, hw, xp + (long)n * g.C * hw, hw, n == 0 && wFresh ? 0f : 1f, gw, rows);
                if (needX)
                    Gemm.Multiply(true, false, rows, hw, g.O, 1f, w, rows, gyn, hw, 1f, gx + (long)n * g.C * hw, hw);
            }
            return;
        }
        int block = g.BlockImages;
        float[] colsArray = BufferPool.Rent(rows * block * hw, zero: false);
        float[] gyArray = BufferPool.Rent(g.O * block * hw, zero: false);
        try
        {
            fixed (float* cols = colsArray, gyBlock = gyArray)
            {
                for (int n0 = 0; n0 < g.N; n0 += block)
                {
                    int images = Math.Min(block, g.N - n0);
                    int width = images * hw;
                    GatherBlock(g, gyp, gyBlock, n0, images);
                    if (needW)
                    {
                        Im2Col(g, xp, n0, images, cols);
                        Gemm.Multiply(false, true, g.O, rows, width, 1f, gyBlock, width, cols, width, n0 == 0 && wFresh ? 0f : 1f, gw, rows);
                    }
                    if (needX)
                    {
                        Gemm.Multiply(true, false, rows, width, g.O, 1f, w, rows, gyBlock, width, 0f, cols, width);
                        Col2Im(g, cols, gx, n0, images);
                    }
                }
            }
        }
        finally
        {
            BufferPool.Return(colsArray);
            BufferPool.Return(gyArray);
        }
    }

    private static unsafe void AddChannelBias(float* y, float* bias, int channels, int hw)
    {
        for (int c = 0; c < channels; c++)
        {
            var row = new Span<float>(y + (long)c * hw, hw);
            System.Numerics.Tensors.TensorPrimitives.Add(row, bias[c], row);
        }
    }

    /// <summary>cols[(c,p,q), (g,i,j)] = x[n0+g, c, i·s+p−pad, j·s+q−pad] (0 outside).</summary>
    private static unsafe void Im2Col(ConvGeometry g, float* x, int n0, int images, float* cols)
    {
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW, width = images * hw;
        nint xp = (nint)x, cp = (nint)cols;
        Workers.For(rows, Math.Max(1, 4096 / Math.Max(1, width)), (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int c = r / (g.KH * g.KW), p = r / g.KW % g.KH, q = r % g.KW;
                var (jStart, jEnd) = g.ValidColumns(q);
                int offset = q - g.Padding, outW = g.OutW, stride = g.Stride;
                float* dst = (float*)cp + (long)r * width;
                for (int im = 0; im < images; im++)
                {
                    float* plane = (float*)xp + ((long)(n0 + im) * g.C + c) * g.H * g.W;
                    for (int i = 0; i < g.OutH; i++)
                    {
                        int ih = i * stride - g.Padding + p;
                        float* d = dst + im * hw + i * outW;
                        if ((uint)ih >= (uint)g.H)
                        {
                            RowKernels.Zero(d, outW);
                            continue;
                        }
                        float* src = plane + (long)ih * g.W + offset;
                        for (int j = 0; j < jStart; j++) d[j] = 0f;
                        if (stride == 1) RowKernels.Copy(src + jStart, d + jStart, jEnd - jStart);
                        else for (int j = jStart; j < jEnd; j++) d[j] = src[j * stride];
                        for (int j = jEnd; j < outW; j++) d[j] = 0f;
                    }
                }
            }
        });
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: dx[n0+g, c, …] += cols[(c,p,q), (g,i,j)]; parallel over channels.</summary>
    private static unsafe void Col2Im(ConvGeometry g, float* cols, float* dx, int n0, int images)
    {
        int hw = g.OutH * g.OutW, width = images * hw;
        nint xp = (nint)dx, cp = (nint)cols;
        Workers.For(g.C, 1, (c0, c1) =>
        {
            int outW = g.OutW, stride = g.Stride;
            for (int c = c0; c < c1; c++)
                for (int p = 0; p < g.KH; p++)
                    for (int q = 0; q < g.KW; q++)
                    {
                        var (jStart, jEnd) = g.ValidColumns(q);
                        if (jEnd <= jStart) continue;
                        float* src = (float*)cp + (long)((c * g.KH + p) * g.KW + q) * width;
                        for (int im = 0; im < images; im++)
                        {
                            float* plane = (float*)xp + ((long)(n0 + im) * g.C + c) * g.H * g.W;
                            for (int i = 0; i < g.OutH; i++)
                            {
                                int ih = i * stride - g.Padding + p;
                                if ((uint)ih >= (uint)g.H) continue;
                                float* s = src + im * hw + i * outW;
                                float* d = plane + (long)ih * g.W + q - g.Padding;
                                if (stride == 1) RowKernels.Add(s + jStart, d + jStart, jEnd - jStart);
                                else for (int j = jStart; j < jEnd; j++) d[j * stride] += s[j];
                            }
                        }
                    }
        });
    }

    /// <summary>y[n0+g, o, :] = block[o, g·HW : (g+1)·HW] (+ bias[o]).</summary>
    private static unsafe void ScatterBlock(ConvGeometry g, float* block, float* y, float* bias, int n0, int images)
    {
        int hw = g.OutH * g.OutW, width = images * hw;
        nint bp = (nint)block, yp = (nint)y, biasP = (nint)bias;
        Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, width)), (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int im = 0; im < images; im++)
                {
                    var src = new ReadOnlySpan<float>((float*)bp + (long)o * width + im * hw, hw);
                    var dst = new Span<float>((float*)yp + ((long)(n0 + im) * g.O + o) * hw, hw);
                    if (biasP == 0) src.CopyTo(dst);
                    else System.Numerics.Tensors.TensorPrimitives.Add(src, ((float*)biasP)[o], dst);
                }
        });
    }

    /// <summary>block[o, g·HW : (g+1)·HW] = gy[n0+g, o, :].</summary>
    private static unsafe void GatherBlock(ConvGeometry g, float* gy, float* block, int n0, int images)
    {
        int hw = g.OutH * g.OutW, width = images * hw;
        nint bp = (nint)block, gp = (nint)gy;
        Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, width)), (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int im = 0; im < images; im++)
                    new ReadOnlySpan<float>((float*)gp + ((long)(n0 + im) * g.O + o) * hw, hw)
                        .CopyTo(new Span<float>((float*)bp + (long)o * width + im * hw, hw));
        });
    }

    private readonly record struct ConvGeometry(int N, int C, int H, int W, int O, int KH, int KW, int Stride, int Padding)
    {
        public int OutH => (H + 2 * Padding - KH) / Stride + 1;
        public int OutW => (W + 2 * Padding - KW) / Stride + 1;
        /// <summary>Output columns [start, end) whose input column j·s+q−pad lies inside the image.</summary>
        public (int Start, int End) ValidColumns(int q)
        {
            int start = Padding - q <= 0 ? 0 : (Padding - q + Stride - 1) / Stride;
            int last = W - 1 + Padding - q;
            int end = last < 0 ? 0 : Math.Min(OutW, last / Stride + 1);
            return (Math.Min(start, OutW), Math.Max(end, Math.Min(start, OutW)));
        }

        public bool IsPointwise => KH == 1 && KW == 1 && Stride == 1 && Padding == 0 && OutH * OutW >= ConvBlockColumns / 2;

        /// <summary>Images per im2col block: enough for wide products, bounded so cols stays under 64 MB.</summary>
        public int BlockImages
        {
            get
            {
                int hw = OutH * OutW;
                int byWidth = Math.Max(1, ConvBlockColumns / hw);
                long perImage = (long)C * KH * KW * hw;
                int byMemory = (int)Math.Max(1, (16L << 20) / Math.Max(1, perImage));
                return Math.Clamp(Math.Min(byWidth, byMemory), 1, N);
            }
        }
    }
}
