using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        if (UsesWinograd(g))
        {
            WinogradConvolve(xp, g.N, g.C, g.H, g.W, w, backwardData: false, g.O, bp, yp, accumulate: false);
            return;
        }
        if (UsesDenseSmallMap(g))
        {
            DenseSmallMapForward(g, xp, w, bp, yp);
            return;
        }
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
        int block = g.BlockImages, blocks = (g.N + block - 1) / block;
        // cols goes straight into the GEMM's panel layout, so the product reads it without a packing pass.
        var kernel = Gemm.Kernel;
        float[]? padArray = g.Padding > 0 ? BufferPool.Rent(g.PaddedSize, zero: false) : null;
        var offsets = g.ColumnOffsets();
        try
        {
            fixed (float* padded = padArray)
            {
                if (padded != null) Pad(g, xp, padded);
                nint source = padded == null ? (nint)xp : (nint)padded, wAddress = (nint)w, yAddress = (nint)yp, bAddress = (nint)bp;
                RunBlocks(blocks, BlockChunks(blocks), (b0, b1, _) =>
                {
                    float[] colsArray = BufferPool.Rent(checked((int)Gemm.PackedSize(kernel.Nr, rows, block * hw)), zero: false);
                    float[] outArray = BufferPool.Rent(g.O * block * hw, zero: false);
                    try
                    {
                        fixed (float* cols = colsArray, outBlock = outArray)
                        {
                            for (int b = b0; b < b1; b++)
                            {
                                int n0 = b * block, images = Math.Min(block, g.N - n0), width = images * hw;
                                Im2ColPacked(g, (float*)source, offsets, n0, images, cols, kernel.Nr);
                                Gemm.MultiplyPacked(kernel, false, g.O, width, rows, 1f, (float*)wAddress, rows, cols, 0f, outBlock, width);
                                ScatterBlock(g, outBlock, (float*)yAddress, (float*)bAddress, n0, images);
                            }
                        }
                    }
                    finally
                    {
                        BufferPool.Return(colsArray);
                        BufferPool.Return(outArray);
                    }
                });
            }
        }
        finally
        {
            if (padArray is not null) BufferPool.Return(padArray);
        }
    }

    /// <summary>
    /// Chunks of im2col blocks that run in parallel, each block wholly on one thread (its im2col, product and scatter
    /// inline): when there are at least two blocks per thread; otherwise 1, and each block's loops run in parallel
    /// instead. Many small blocks (the stem's 50 blocks of 2 images) would otherwise pay three fork-joins each.
    /// </summary>
    private static int BlockChunks(int blocks) =>
        Workers.Threads > 1 && blocks >= 2 * Workers.Threads ? Workers.ChunkCount(blocks) : 1;

    /// <summary>body(first block, end block, chunk) over <paramref name="chunks"/> contiguous ranges of the blocks.</summary>
    private static void RunBlocks(int blocks, int chunks, Action<int, int, int> body)
    {
        if (chunks == 1)
        {
            body(0, blocks, 0);
            return;
        }
        Workers.Chunks(chunks, c => body(Workers.ChunkStart(blocks, chunks, c), Workers.ChunkStart(blocks, chunks, c + 1), c));
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
            Workers.For(o, 8, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
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
        if (UsesWinograd(g))
        {
            if (needW)
            {
                var gwT = grads.Slot(weight, out bool fresh);
                WinogradWeightGradient(xp, gyp, g.N, g.C, g.H, g.W, g.O, gwT.Pointer, accumulate: !fresh);
            }
            if (needX)
            {
                var gxT = grads.Slot(x, out bool fresh);
                WinogradConvolve(gyp, g.N, g.O, g.H, g.W, w, backwardData: true, g.C, null, gxT.Pointer, accumulate: !fresh);
            }
            return;
        }
        if (UsesDenseSmallMap(g))
        {
            bool gxFresh = false, gwFresh = false;
            float* gxp = needX ? grads.Slot(x, out gxFresh).Pointer : null;
            float* gwp = needW ? grads.Slot(weight, out gwFresh).Pointer : null;
            DenseSmallMapBackward(g, xp, w, gyp, gxp, gxFresh, gwp, gwFresh);
            return;
        }
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
        int block = g.BlockImages, blocks = (g.N + block - 1) / block, chunks = BlockChunks(blocks);
        var kernel = Gemm.Kernel;
        // With padding, im2col reads and col2im accumulates a zero-bordered copy of x / ∂x, so neither tests bounds.
        float[]? padArray = g.Padding > 0 && needW ? BufferPool.Rent(g.PaddedSize, zero: false) : null;
        float[]? gradPadArray = g.Padding > 0 && needX ? BufferPool.Rent(g.PaddedSize, zero: true) : null;
        // Blocks in parallel sum their weight gradients into one slot per chunk, added up in chunk order afterwards.
        int weightSize = g.O * rows;
        float[]? partialArray = needW && chunks > 1 ? BufferPool.Rent(checked(chunks * weightSize), zero: false) : null;
        var offsets = g.ColumnOffsets();
        try
        {
            fixed (float* padded = padArray, gradPadded = gradPadArray, partial = partialArray)
            {
                if (padded != null) Pad(g, xp, padded);
                nint source = padded == null ? (nint)xp : (nint)padded, gradTarget = gradPadded == null ? (nint)gx : (nint)gradPadded;
                nint wAddress = (nint)w, gyAddress = (nint)gyp, gwAddress = (nint)gw, partialAddress = (nint)partial;
                RunBlocks(blocks, chunks, (b0, b1, chunk) =>
                {
                    // One buffer serves both uses in turn: colsᵀ in the GEMM's panel layout (weight gradient), then cols (data gradient).
                    float[] colsArray = BufferPool.Rent(checked((int)Math.Max((long)rows * block * hw, Gemm.PackedSize(kernel.Nr, block * hw, rows))), zero: false);
                    float[] gyArray = BufferPool.Rent(g.O * block * hw, zero: false);
                    try
                    {
                        fixed (float* cols = colsArray, gyBlock = gyArray)
                        {
                            float* target = partialAddress != 0 ? (float*)partialAddress + (long)chunk * weightSize : (float*)gwAddress;
                            for (int b = b0; b < b1; b++)
                            {
                                int n0 = b * block, images = Math.Min(block, g.N - n0), width = images * hw;
                                GatherBlock(g, (float*)gyAddress, gyBlock, n0, images);
                                if (needW)
                                {
                                    bool first = partialAddress != 0 ? b == b0 : n0 == 0 && wFresh;
                                    Im2ColTransposedPacked(g, (float*)source, offsets, n0, images, cols, kernel.Nr);
                                    Gemm.MultiplyPacked(kernel, false, g.O, rows, width, 1f, gyBlock, width, cols, first ? 0f : 1f, target, rows);
                                }
                                if (needX)
                                {
                                    Gemm.Multiply(true, false, rows, width, g.O, 1f, (float*)wAddress, rows, gyBlock, width, 0f, cols, width);
                                    Col2Im(g, cols, offsets, (float*)gradTarget, n0, images);
                                }
                            }
                        }
                    }
                    finally
                    {
                        BufferPool.Return(colsArray);
                        BufferPool.Return(gyArray);
                    }
                });
                if (partial != null) SumChunks(partial, chunks, weightSize, gw, wFresh);
                if (gradPadded != null) Unpad(g, gradPadded, gx);
            }
        }
        finally
        {
            if (padArray is not null) BufferPool.Return(padArray);
            if (gradPadArray is not null) BufferPool.Return(gradPadArray);
            if (partialArray is not null) BufferPool.Return(partialArray);
        }
    }

    /// <summary>dst[i] = (fresh ? 0 : dst[i]) + Σ_c partial[c·size + i], the chunks added in order.</summary>
    private static unsafe void SumChunks(float* partial, int chunks, int size, float* dst, bool fresh)
    {
        nint pp = (nint)partial, dp = (nint)dst;
        Workers.For(size, 4096, (s, e) =>
        {
            float* d = (float*)dp;
            for (int i = s; i < e; i++)
            {
                float sum = fresh ? 0f : d[i];
                for (int c = 0; c < chunks; c++) sum += ((float*)pp)[(long)c * size + i];
                d[i] = sum;
            }
        });
    }

    private static unsafe void AddChannelBias(float* y, float* bias, int channels, int hw)
    {
        for (int c = 0; c < channels; c++)
        {
            var row = new Span<float>(y + (long)c * hw, hw);
            System.Numerics.Tensors.TensorPrimitives.Add(row, bias[c], row);
        }
    }

    /// <summary>padded[n, c, pad + h, pad + w] = x[n, c, h, w], zero borders: [N, C, H + 2pad, W + 2pad].</summary>
    private static unsafe void Pad(ConvGeometry g, float* x, float* padded) =>
        PadPlanes(x, g.N * g.C, g.H, g.W, padded, g.PaddedH, g.PaddedW, g.Padding);

    /// <summary>dx[n, c, h, w] += padded[n, c, pad + h, pad + w]: the interior of the padded gradient.</summary>
    private static unsafe void Unpad(ConvGeometry g, float* padded, float* dx)
    {
        nint xp = (nint)dx, pp = (nint)padded;
        Workers.For(g.N * g.C, Math.Max(1, 16384 / (g.PaddedH * g.PaddedW)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
        {
            int wp = g.PaddedW, pad = g.Padding;
            for (int plane = s; plane < e; plane++)
            {
                float* dst = (float*)xp + (long)plane * g.H * g.W;
                float* src = (float*)pp + (long)plane * g.PaddedH * wp + pad * wp + pad;
                for (int h = 0; h < g.H; h++) RowKernels.Add(src + h * wp, dst + h * g.W, g.W);
            }
        });
    }

    /// <summary>
    /// cols[(c,p,q), (g,i,j)] = xpad[n0+g, c, i·s+p, j·s+q] from the zero-bordered input (x itself without padding);
    /// <paramref name="offsets"/>[i·Wo + j] = i·s·Wp + j·s. Rows of 8 or more contiguous values are copied as vectors.
    /// </summary>
    private static unsafe void Im2Col(ConvGeometry g, float* xpad, int[] offsets, int n0, int images, float* cols)
    {
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW, width = images * hw;
        nint xp = (nint)xpad, cp = (nint)cols;
        Workers.For(rows, Math.Max(1, 4096 / Math.Max(1, width)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (r0, r1) =>
        {
            int wp = g.PaddedW, plane = g.PaddedH * wp, outW = g.OutW, outH = g.OutH;
            bool rowCopies = g.Stride == 1 && outW >= 8;
            fixed (int* off = offsets)
            {
                for (int r = r0; r < r1; r++)
                {
                    int c = r / (g.KH * g.KW), p = r / g.KW % g.KH, q = r % g.KW;
                    float* dst = (float*)cp + (long)r * width;
                    float* origin = (float*)xp + ((long)n0 * g.C + c) * plane + p * wp + q;
                    for (int im = 0; im < images; im++)
                    {
                        float* b = origin + (long)im * g.C * plane;
                        float* d = dst + im * hw;
                        if (rowCopies)
                            for (int i = 0; i < outH; i++) RowKernels.Copy(b + i * wp, d + i * outW, outW);
                        else
                            for (int t = 0; t < hw; t++) d[t] = b[off[t]];
                    }
                }
            }
        });
    }

    /// <summary>
    /// <see cref="Im2Col"/> written in the GEMM's panel layout for micro-kernels <paramref name="nr"/> wide: element
    /// (r, t) at <see cref="Gemm.PackedIndex"/>; the padding columns of the last panel are zero.
    /// </summary>
    private static unsafe void Im2ColPacked(ConvGeometry g, float* xpad, int[] offsets, int n0, int images, float* packed, int nr)
    {
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW, width = images * hw;
        nint xp = (nint)xpad, pp = (nint)packed;
        Workers.For(rows, Math.Max(1, 4096 / Math.Max(1, width)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (r0, r1) =>
        {
            int wp = g.PaddedW, plane = g.PaddedH * wp, outW = g.OutW, outH = g.OutH;
            long panelStride = (long)rows * nr;
            bool rowCopies = g.Stride == 1 && outW >= 8;
            bool gather = VectorIm2ColTransposed && Avx2.IsSupported && nr % 8 == 0;
            fixed (int* off = offsets)
            {
                for (int r = r0; r < r1; r++)
                {
                    int c = r / (g.KH * g.KW), p = r / g.KW % g.KH, q = r % g.KW;
                    float* rowBase = (float*)pp + (long)r * nr;
                    float* origin = (float*)xp + ((long)n0 * g.C + c) * plane + p * wp + q;
                    float* dst = rowBase;
                    int lane = 0;
                    for (int im = 0; im < images; im++)
                    {
                        float* b = origin + (long)im * g.C * plane;
                        if (rowCopies)
                        {
                            for (int i = 0; i < outH; i++)
                            {
                                float* src = b + i * wp;
                                int remaining = outW;
                                while (remaining > 0)
                                {
                                    int take = Math.Min(remaining, nr - lane);
                                    RowKernels.Copy(src, dst + lane, take);
                                    src += take;
                                    remaining -= take;
                                    lane += take;
                                    if (lane == nr) { lane = 0; dst += panelStride; }
                                }
                            }
                        }
                        else
                        {
                            int t = 0;
                            // Strided or narrow maps: 8 pixels per AVX2 gather while the panel lanes stay 8-aligned.
                            if (gather)
                                for (; t + 8 <= hw && lane % 8 == 0; t += 8)
                                {
                                    Avx2.GatherVector256(b, Avx.LoadVector256(off + t), 4).Store(dst + lane);
                                    lane += 8;
                                    if (lane == nr) { lane = 0; dst += panelStride; }
                                }
                            for (; t < hw; t++)
                            {
                                dst[lane] = b[off[t]];
                                if (++lane == nr) { lane = 0; dst += panelStride; }
                            }
                        }
                    }
                    if (lane > 0) RowKernels.Zero(dst + lane, nr - lane);
                }
            }
        });
    }

    /// <summary>Whether colsᵀ is built with 8×8 register transposes (tests switch it off to run the scalar path).</summary>
    internal static bool VectorIm2ColTransposed { get; set; } = Avx.IsSupported;

    /// <summary>
    /// colsᵀ [width × rows] of <see cref="Im2Col"/> in the GEMM's panel layout for micro-kernels <paramref name="nr"/>
    /// wide — element (t, r) at <see cref="Gemm.PackedIndex"/>(nr, width, t, r), padding columns zero — the weight
    /// gradient's B without a column matrix or a transposing pack. Eight pixels of 8 taps at once are transposed in
    /// registers: stride-1 rows of 8 pixels are plain vector loads; strided convolutions and maps narrower than 8
    /// gather the 8 pixels (AVX2) at their offsets, across output rows and images. The zero-bordered input keeps
    /// every offset inside, so no gather needs a mask. Other pixels are copied one by one.
    /// </summary>
    private static unsafe void Im2ColTransposedPacked(ConvGeometry g, float* xpad, int[] offsets, int n0, int images, float* packed, int nr)
    {
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW, width = images * hw;
        int paddedRows = (rows + nr - 1) / nr * nr;
        int blocks = paddedRows / 8;
        nint xp = (nint)xpad, pp = (nint)packed;
        bool rowLoads = g.Stride == 1 && g.OutW >= 8;
        bool vector = VectorIm2ColTransposed && nr % 8 == 0 && (rowLoads || Avx2.IsSupported);
        // Gathered pixel u = (image, i, j) of the block sits at pixels[u] from a tap's origin in the first image.
        int[]? pixels = vector && !rowLoads ? BlockPixelOffsets(g, offsets, images) : null;
        Workers.For(vector ? blocks : paddedRows, vector ? Math.Max(1, 4096 / Math.Max(1, width * 8)) : Math.Max(1, 4096 / Math.Max(1, width)),
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b0, b1) =>
        {
            int wp = g.PaddedW, plane = g.PaddedH * wp, outW = g.OutW, outH = g.OutH;
            long imageStride = (long)g.C * plane;
            nint* origin = stackalloc nint[8];
            float* zeros = stackalloc float[16];
            for (int z = 0; z < 16; z++) zeros[z] = 0f;
            fixed (int* off = offsets, pix = pixels)
            {
                if (!vector)
                {
                    for (int r = b0; r < b1; r++)
                    {
                        float* dst = (float*)pp + (long)(r / nr) * width * nr + r % nr;
                        if (r >= rows)
                        {
                            for (int t = 0; t < width; t++) dst[(long)t * nr] = 0f;
                            continue;
                        }
                        int c = r / (g.KH * g.KW), p = r / g.KW % g.KH, q = r % g.KW;
                        float* o = (float*)xp + ((long)n0 * g.C + c) * plane + p * wp + q;
                        int t0 = 0;
                        for (int im = 0; im < images; im++, t0 += hw)
                        {
                            float* bimg = o + im * imageStride;
                            for (int t = 0; t < hw; t++) dst[(long)(t0 + t) * nr] = bimg[off[t]];
                        }
                    }
                    return;
                }
                for (int blk = b0; blk < b1; blk++)
                {
                    int r0 = blk * 8;
                    for (int k = 0; k < 8; k++)
                    {
                        int r = r0 + k;
                        if (r >= rows) { origin[k] = 0; continue; }
                        int c = r / (g.KH * g.KW), p = r / g.KW % g.KH, q = r % g.KW;
                        origin[k] = (nint)((float*)xp + ((long)n0 * g.C + c) * plane + p * wp + q);
                    }
                    float* dst = (float*)pp + (long)(r0 / nr) * width * nr + r0 % nr;
                    if (pix != null)
                    {
                        GatherTransposed(origin, pix, width, dst, nr);
                        continue;
                    }
                    int t0 = 0;
                    for (int im = 0; im < images; im++)
                        for (int i = 0; i < outH; i++, t0 += outW)
                        {
                            long rowOffset = im * imageStride + (long)i * wp;
                            int j = 0;
                            for (; j + 8 <= outW; j += 8)
                            {
                                Gemm.Transpose8x8Rows(
                                    Row(origin[0]), Row(origin[1]), Row(origin[2]), Row(origin[3]),
                                    Row(origin[4]), Row(origin[5]), Row(origin[6]), Row(origin[7]),
                                    dst + (long)(t0 + j) * nr, nr);
                            }
                            for (; j < outW; j++)
                                for (int k = 0; k < 8; k++)
                                    dst[(long)(t0 + j) * nr + k] = origin[k] == 0 ? 0f : ((float*)origin[k])[rowOffset + j];

                            float* Row(nint o) => o == 0 ? zeros : (float*)o + rowOffset + j;
                        }
                }
            }
        });
    }

    /// <summary>
    /// dst[u·nr + k] = origin[k][pixels[u]] for u &lt; width and 8 taps k (0 where origin[k] is null): eight gathers of
    /// 8 pixels, transposed in registers; the last width mod 8 pixels one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void GatherTransposed(nint* origin, int* pixels, int width, float* dst, int nr)
    {
        float* o0 = (float*)origin[0], o1 = (float*)origin[1], o2 = (float*)origin[2], o3 = (float*)origin[3];
        float* o4 = (float*)origin[4], o5 = (float*)origin[5], o6 = (float*)origin[6], o7 = (float*)origin[7];
        int u = 0;
        for (; u + 8 <= width; u += 8)
        {
            var index = Avx.LoadVector256(pixels + u);
            Gemm.Transpose8x8(Gather(o0, index), Gather(o1, index), Gather(o2, index), Gather(o3, index),
                Gather(o4, index), Gather(o5, index), Gather(o6, index), Gather(o7, index), dst + (long)u * nr, nr);
        }
        for (; u < width; u++)
            for (int k = 0; k < 8; k++)
                dst[(long)u * nr + k] = origin[k] == 0 ? 0f : ((float*)origin[k])[pixels[u]];

        static Vector256<float> Gather(float* o, Vector256<int> index) => o == null ? Vector256<float>.Zero : Avx2.GatherVector256(o, index, 4);
    }

    /// <summary>pixels[g·Ho·Wo + t] = g·C·Hp·Wp + offsets[t]: where output pixel t of block image g reads, from a tap's origin in image 0.</summary>
    private static int[] BlockPixelOffsets(ConvGeometry g, int[] offsets, int images)
    {
        int hw = g.OutH * g.OutW, imageStride = g.C * g.PaddedH * g.PaddedW;
        var pixels = new int[images * hw];
        for (int im = 0; im < images; im++)
            for (int t = 0; t < hw; t++) pixels[im * hw + t] = im * imageStride + offsets[t];
        return pixels;
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: dxpad[n0+g, c, i·s+p, j·s+q] += cols[(c,p,q), (g,i,j)]; parallel over channels.</summary>
    private static unsafe void Col2Im(ConvGeometry g, float* cols, int[] offsets, float* dxpad, int n0, int images)
    {
        int hw = g.OutH * g.OutW, width = images * hw;
        nint xp = (nint)dxpad, cp = (nint)cols;
        Workers.For(g.C, 1, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c0, c1) =>
        {
            int wp = g.PaddedW, plane = g.PaddedH * wp, outW = g.OutW, outH = g.OutH;
            bool rowAdds = g.Stride == 1 && outW >= 8;
            fixed (int* off = offsets)
            {
                for (int c = c0; c < c1; c++)
                    for (int p = 0; p < g.KH; p++)
                        for (int q = 0; q < g.KW; q++)
                        {
                            float* src = (float*)cp + (long)((c * g.KH + p) * g.KW + q) * width;
                            float* origin = (float*)xp + ((long)n0 * g.C + c) * plane + p * wp + q;
                            for (int im = 0; im < images; im++)
                            {
                                float* b = origin + (long)im * g.C * plane;
                                float* s = src + im * hw;
                                if (rowAdds)
                                    for (int i = 0; i < outH; i++) RowKernels.Add(s + i * outW, b + i * wp, outW);
                                else
                                    for (int t = 0; t < hw; t++) b[off[t]] += s[t];
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
        Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, width)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int im = 0; im < images; im++)
                {
                    float* src = (float*)bp + (long)o * width + im * hw, dst = (float*)yp + ((long)(n0 + im) * g.O + o) * hw;
                    if (biasP == 0) RowKernels.Copy(src, dst, hw);
                    else RowKernels.Affine(src, 1f, ((float*)biasP)[o], dst, hw);
                }
        });
    }

    /// <summary>block[o, g·HW : (g+1)·HW] = gy[n0+g, o, :].</summary>
    private static unsafe void GatherBlock(ConvGeometry g, float* gy, float* block, int n0, int images)
    {
        int hw = g.OutH * g.OutW, width = images * hw;
        nint bp = (nint)block, gp = (nint)gy;
        Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, width)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int im = 0; im < images; im++)
                    RowKernels.Copy((float*)gp + ((long)(n0 + im) * g.O + o) * hw, (float*)bp + (long)o * width + im * hw, hw);
        });
    }

    private readonly record struct ConvGeometry(int N, int C, int H, int W, int O, int KH, int KW, int Stride, int Padding)
    {
        public int OutH => (H + 2 * Padding - KH) / Stride + 1;
        public int OutW => (W + 2 * Padding - KW) / Stride + 1;
        /// <summary>Rows of the zero-bordered input.</summary>
        public int PaddedH => H + 2 * Padding;

        /// <summary>Columns of the zero-bordered input.</summary>
        public int PaddedW => W + 2 * Padding;

        /// <summary>Floats of the zero-bordered input [N, C, H + 2pad, W + 2pad].</summary>
        public int PaddedSize => checked(N * C * PaddedH * PaddedW);

        /// <summary>Offset of output pixel (i, j) in a padded plane, for kernel tap (0, 0): i·s·Wp + j·s.</summary>
        public int[] ColumnOffsets()
        {
            var offsets = new int[OutH * OutW];
            for (int i = 0; i < OutH; i++)
                for (int j = 0; j < OutW; j++) offsets[i * OutW + j] = i * Stride * PaddedW + j * Stride;
            return offsets;
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
