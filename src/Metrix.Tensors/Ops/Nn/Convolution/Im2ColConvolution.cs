using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// Convolution by im2col: images are processed in blocks of several at once, so small feature maps still give wide
/// matrix products: cols [C·kh·kw, G·Ho·Wo], Y = W·cols, scattered to NCHW. The backward recomputes cols:
/// ∂W = Σ gY·colsᵀ, ∂cols = Wᵀ·gY then col2im into ∂x. Runs every shape; the planner gives it what no other
/// algorithm takes.
/// </summary>
public sealed unsafe class Im2ColConvolution : IConvAlgorithm
{
    /// <inheritdoc/>
    public string Name => "im2col";

    /// <inheritdoc/>
    public bool Supports(ConvShape shape) => true;

    /// <inheritdoc/>
    public void Forward(ConvShape shape, float* x, float* weight, float* bias, float* y, KernelOptions options)
    {
        var g = shape;
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW;
        float* w = weight, xp = x, yp = y, bp = bias;
        int block = g.BlockImages, blocks = (g.N + block - 1) / block;
        // cols goes straight into the GEMM's panel layout, so the product reads it without a packing pass.
        var kernel = options.Gemm;
        float[]? padArray = g.Padding > 0 ? BufferPool.Rent(g.PaddedSize, zero: false) : null;
        var offsets = g.ColumnOffsets();
        try
        {
            fixed (float* padded = padArray)
            {
                if (padded != null) Pad(g, xp, padded, options.RowWidth);
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
                                Im2ColPacked(g, (float*)source, offsets, n0, images, cols, kernel.Nr, options);
                                Gemm.MultiplyPacked(options, false, g.O, width, rows, 1f, (float*)wAddress, rows, cols, 0f, outBlock, width);
                                ScatterBlock(g, outBlock, (float*)yAddress, (float*)bAddress, n0, images, options.RowWidth);
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

    /// <inheritdoc/>
    public void DataGradient(ConvShape shape, float* weight, float* gy, float* gx, bool accumulate, KernelOptions options) =>
        Backward(shape, null, weight, gy, gx, accumulate, null, false, options);

    /// <inheritdoc/>
    public void WeightGradient(ConvShape shape, float* x, float* gy, float* gw, bool accumulate, KernelOptions options) =>
        Backward(shape, x, null, gy, null, false, gw, accumulate, options);

    /// <summary>Both gradients in one pass over the blocks, sharing each block's gathered output gradient.</summary>
    public void Backward(ConvShape shape, float* x, float* weight, float* gy, float* gx, bool gxAccumulate, float* gw, bool gwAccumulate,
        KernelOptions options)
    {
        var g = shape;
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW;
        bool needX = gx != null, needW = gw != null, wFresh = !gwAccumulate;
        if (!needX && !needW) return;
        float* w = weight, xp = x, gyp = gy;
        if (needX && !gxAccumulate) new Span<float>(gx, checked(g.N * g.C * g.H * g.W)).Clear();
        int block = g.BlockImages, blocks = (g.N + block - 1) / block, chunks = BlockChunks(blocks);
        var kernel = options.Gemm;
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
                if (padded != null) Pad(g, xp, padded, options.RowWidth);
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
                                GatherBlock(g, (float*)gyAddress, gyBlock, n0, images, options.RowWidth);
                                if (needW)
                                {
                                    bool first = partialAddress != 0 ? b == b0 : n0 == 0 && wFresh;
                                    Im2ColTransposedPacked(g, (float*)source, offsets, n0, images, cols, kernel.Nr, options);
                                    Gemm.MultiplyPacked(options, false, g.O, rows, width, 1f, gyBlock, width, cols, first ? 0f : 1f, target, rows);
                                }
                                if (needX)
                                {
                                    Gemm.Multiply(options, true, false, rows, width, g.O, 1f, (float*)wAddress, rows, gyBlock, width, 0f, cols, width);
                                    Col2Im(g, cols, offsets, (float*)gradTarget, n0, images, options.RowWidth);
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
                if (gradPadded != null) Unpad(g, gradPadded, gx, options.RowWidth);
            }
        }
        finally
        {
            if (padArray is not null) BufferPool.Return(padArray);
            if (gradPadArray is not null) BufferPool.Return(gradPadArray);
            if (partialArray is not null) BufferPool.Return(partialArray);
        }
    }

    /// <summary>
    /// Chunks of im2col blocks that run in parallel, each block wholly on one thread (its im2col, product and scatter
    /// inline): when there are at least two blocks per thread; otherwise 1, and each block's loops run in parallel
    /// instead. Many small blocks (the stem's 50 blocks of 2 images) would otherwise pay three fork-joins each.
    /// </summary>
    internal static int BlockChunks(int blocks) =>
        Workers.Threads > 1 && blocks >= 2 * Workers.Threads ? Workers.ChunkCount(blocks) : 1;

    /// <summary>body(first block, end block, chunk) over <paramref name="chunks"/> contiguous ranges of the blocks.</summary>
    internal static void RunBlocks(int blocks, int chunks, Action<int, int, int> body)
    {
        if (chunks == 1)
        {
            body(0, blocks, 0);
            return;
        }
        Workers.Chunks(chunks, c => body(Workers.ChunkStart(blocks, chunks, c), Workers.ChunkStart(blocks, chunks, c + 1), c));
    }

    /// <summary>dst[i] = (fresh ? 0 : dst[i]) + Σ_c partial[c·size + i], the chunks added in order.</summary>
    internal static unsafe void SumChunks(float* partial, int chunks, int size, float* dst, bool fresh)
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

    /// <summary>padded[n, c, pad + h, pad + w] = x[n, c, h, w], zero borders: [N, C, H + 2pad, W + 2pad].</summary>
    internal static unsafe void Pad(ConvShape g, float* x, float* padded, VectorWidth rowWidth) =>
        ConvKernels.PadPlanes(x, g.N * g.C, g.H, g.W, padded, g.PaddedH, g.PaddedW, g.Padding, rowWidth);

    /// <summary>dx[n, c, h, w] += padded[n, c, pad + h, pad + w]: the interior of the padded gradient.</summary>
    internal static unsafe void Unpad(ConvShape g, float* padded, float* dx, VectorWidth rowWidth)
    {
        nint xp = (nint)dx, pp = (nint)padded;
        Workers.For(g.N * g.C, Math.Max(1, 16384 / (g.PaddedH * g.PaddedW)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
        {
            int wp = g.PaddedW, pad = g.Padding;
            for (int plane = s; plane < e; plane++)
            {
                float* dst = (float*)xp + (long)plane * g.H * g.W;
                float* src = (float*)pp + (long)plane * g.PaddedH * wp + pad * wp + pad;
                for (int h = 0; h < g.H; h++) RowKernels.Add(src + h * wp, dst + h * g.W, g.W, rowWidth);
            }
        });
    }

    /// <summary>
    /// cols[(c,p,q), (g,i,j)] = xpad[n0+g, c, i·s+p, j·s+q] from the zero-bordered input (x itself without padding);
    /// <paramref name="offsets"/>[i·Wo + j] = i·s·Wp + j·s. Rows of 8 or more contiguous values are copied as vectors.
    /// </summary>
    internal static unsafe void Im2Col(ConvShape g, float* xpad, int[] offsets, int n0, int images, float* cols, VectorWidth rowWidth)
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
                            for (int i = 0; i < outH; i++) RowKernels.Copy(b + i * wp, d + i * outW, outW, rowWidth);
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
    internal static unsafe void Im2ColPacked(ConvShape g, float* xpad, int[] offsets, int n0, int images, float* packed, int nr, KernelOptions options)
    {
        var rowWidth = options.RowWidth;
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW, width = images * hw;
        nint xp = (nint)xpad, pp = (nint)packed;
        Workers.For(rows, Math.Max(1, 4096 / Math.Max(1, width)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (r0, r1) =>
        {
            int wp = g.PaddedW, plane = g.PaddedH * wp, outW = g.OutW, outH = g.OutH;
            long panelStride = (long)rows * nr;
            bool rowCopies = g.Stride == 1 && outW >= 8;
            bool gather = options.VectorIm2ColTransposed && Avx2.IsSupported && nr % 8 == 0;
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
                                    RowKernels.Copy(src, dst + lane, take, rowWidth);
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
                    if (lane > 0) RowKernels.Zero(dst + lane, nr - lane, rowWidth);
                }
            }
        });
    }


    /// <summary>
    /// colsᵀ [width × rows] of <see cref="Im2Col"/> in the GEMM's panel layout for micro-kernels <paramref name="nr"/>
    /// wide — element (t, r) at <see cref="Gemm.PackedIndex"/>(nr, width, t, r), padding columns zero — the weight
    /// gradient's B without a column matrix or a transposing pack. Eight pixels of 8 taps at once are transposed in
    /// registers: stride-1 rows of 8 pixels are plain vector loads; strided convolutions and maps narrower than 8
    /// gather the 8 pixels (AVX2) at their offsets, across output rows and images. The zero-bordered input keeps
    /// every offset inside, so no gather needs a mask. Other pixels are copied one by one.
    /// </summary>
    internal static unsafe void Im2ColTransposedPacked(ConvShape g, float* xpad, int[] offsets, int n0, int images, float* packed, int nr, KernelOptions options)
    {
        int rows = g.C * g.KH * g.KW, hw = g.OutH * g.OutW, width = images * hw;
        int paddedRows = (rows + nr - 1) / nr * nr;
        int blocks = paddedRows / 8;
        nint xp = (nint)xpad, pp = (nint)packed;
        bool rowLoads = g.Stride == 1 && g.OutW >= 8;
        bool vector = options.VectorIm2ColTransposed && Avx.IsSupported && nr % 8 == 0 && (rowLoads || Avx2.IsSupported);
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
    internal static unsafe void GatherTransposed(nint* origin, int* pixels, int width, float* dst, int nr)
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
    internal static int[] BlockPixelOffsets(ConvShape g, int[] offsets, int images)
    {
        int hw = g.OutH * g.OutW, imageStride = g.C * g.PaddedH * g.PaddedW;
        var pixels = new int[images * hw];
        for (int im = 0; im < images; im++)
            for (int t = 0; t < hw; t++) pixels[im * hw + t] = im * imageStride + offsets[t];
        return pixels;
    }


    /// <summary>The adjoint of <see cref="Im2Col"/>: dxpad[n0+g, c, i·s+p, j·s+q] += cols[(c,p,q), (g,i,j)]; parallel over channels.</summary>
    internal static unsafe void Col2Im(ConvShape g, float* cols, int[] offsets, float* dxpad, int n0, int images, VectorWidth rowWidth)
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
                                    for (int i = 0; i < outH; i++) RowKernels.Add(s + i * outW, b + i * wp, outW, rowWidth);
                                else
                                    for (int t = 0; t < hw; t++) b[off[t]] += s[t];
                            }
                        }
            }
        });
    }


    /// <summary>y[n0+g, o, :] = block[o, g·HW : (g+1)·HW] (+ bias[o]).</summary>
    internal static unsafe void ScatterBlock(ConvShape g, float* block, float* y, float* bias, int n0, int images, VectorWidth rowWidth)
    {
        int hw = g.OutH * g.OutW, width = images * hw;
        nint bp = (nint)block, yp = (nint)y, biasP = (nint)bias;
        Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, width)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int im = 0; im < images; im++)
                {
                    float* src = (float*)bp + (long)o * width + im * hw, dst = (float*)yp + ((long)(n0 + im) * g.O + o) * hw;
                    if (biasP == 0) RowKernels.Copy(src, dst, hw, rowWidth);
                    else RowKernels.Affine(src, 1f, ((float*)biasP)[o], dst, hw, rowWidth);
                }
        });
    }


    /// <summary>block[o, g·HW : (g+1)·HW] = gy[n0+g, o, :].</summary>
    internal static unsafe void GatherBlock(ConvShape g, float* gy, float* block, int n0, int images, VectorWidth rowWidth)
    {
        int hw = g.OutH * g.OutW, width = images * hw;
        nint bp = (nint)block, gp = (nint)gy;
        Workers.For(g.O, Math.Max(1, 16384 / Math.Max(1, width)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int im = 0; im < images; im++)
                    RowKernels.Copy((float*)gp + ((long)(n0 + im) * g.O + o) * hw, (float*)bp + (long)o * width + im * hw, hw, rowWidth);
        });
    }
}
