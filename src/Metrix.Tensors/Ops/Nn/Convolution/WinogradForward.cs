using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// The forward pass of <see cref="WinogradConvolution"/>, F(2×2, 3×3): filter, input and output transforms around 16
/// products by the GEMM micro-kernel. The data gradient (<see cref="WinogradDataGradient"/>) runs the same convolution
/// on the output gradient with the filters turned.
/// </summary>
internal static class WinogradForward
{
    /// <summary>Floats a tile block's transformed input aims at (16 · C · tiles), so that it stays in the L2 cache.</summary>
    internal const int WinogradBlockFloats = 1 << 17;

    /// <summary>
    /// y (+)= conv3×3(x, w, padding 1) + bias, by F(2×2, 3×3): x [N, Cin, H, W], y [N, Cout, H, W]. With
    /// <paramref name="backwardData"/>, the filter is w [Cin, Cout, 3, 3] turned by 180° with its channels swapped — the
    /// data gradient of a convolution by w, computed as a convolution of the output gradient.
    /// </summary>
    /// <remarks>
    /// The filters are transformed once, U = G·g·Gᵀ (4×4 per channel pair), into the GEMM's A panels. The tiles run in
    /// blocks of a multiple of the micro-kernel's width, in parallel: each block's 4×4 input patches become
    /// V = Bᵀ·d·B, written straight into B panels (16 matrices Cin × tiles), 16 products M = U·V by the micro-kernel,
    /// and the output transform Y = Aᵀ·M·A writes the 2×2 outputs of each tile.
    /// </remarks>
    internal static unsafe void Convolve(float* x, int n, int cin, int h, int w, float* weight, bool backwardData,
        int cout, float* bias, float* y, bool accumulate, KernelOptions options)
    {
        var kernel = options.Gemm;
        int mr = kernel.Mr, nr = kernel.Nr;
        var tiles = new WinogradTiles(n, h, w);
        int count = tiles.Count;
        int hp = 2 * tiles.TilesH + 2, wp = 2 * tiles.TilesW + 2;
        int oPanels = (cout + mr - 1) / mr, oPad = oPanels * mr;
        if (16L * oPad * cin > WinogradBlockFloats)
        {
            ConvolveInPhases(x, n, cin, h, w, weight, backwardData, cout, bias, y, accumulate, options);
            return;
        }
        // Tiles per block: a multiple of nr whose transformed input stays near WinogradBlockFloats, and at least two
        // blocks per thread where the tiles allow it.
        int blockTiles = Math.Max(nr, WinogradBlockFloats / 16 / cin / nr * nr);
        int perThread = (count + 2 * Workers.Threads - 1) / (2 * Workers.Threads);
        blockTiles = Math.Max(nr, Math.Min(blockTiles, (perThread + nr - 1) / nr * nr));
        int blocks = (count + blockTiles - 1) / blockTiles;
        int panelsPerBlock = blockTiles / nr;

        float[] uArray = BufferPool.Rent(16 * oPad * cin, zero: true);
        float[] padArray = BufferPool.Rent(checked(n * cin * hp * wp), zero: false);
        var offsets = tiles.PatchOffsets(cin, 1, nr);
        var outOffsets = OutputTileOffsets(tiles, cout, nr);
        try
        {
            fixed (float* u = uArray, padded = padArray)
            {
                TransformFilters(weight, backwardData, cout, cin, u, oPanels, mr);
                ConvKernels.PadPlanes(x, n * cin, h, w, padded, hp, wp, 1, options.RowWidth);
                nint up = (nint)u, pp = (nint)padded, yp = (nint)y, bp = (nint)bias;
                Workers.For(blocks, 1, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b0, b1) =>
                {
                    long vSize = 16 * WinogradTiles.Skewed((long)panelsPerBlock * cin * nr), mXi = WinogradTiles.Skewed((long)oPad * blockTiles), mSize = 16 * mXi;
                    float[] vArray = BufferPool.Rent(checked((int)vSize), zero: false);
                    float[] mArray = BufferPool.Rent(checked((int)mSize), zero: false);
                    try
                    {
                        fixed (float* v = vArray, m = mArray)
                        fixed (int* off = offsets, outOff = outOffsets)
                        {
                            for (int block = b0; block < b1; block++)
                            {
                                int t0 = block * blockTiles;
                                int panels = (Math.Min(blockTiles, count - t0) + nr - 1) / nr;
                                // V[ξ][panel][c][lane]: B panels of depth Cin over the block's tiles.
                                long xiStride = WinogradTiles.Skewed((long)panels * cin * nr);
                                for (int c = 0; c < cin; c++)
                                    InputTransform(options.VectorWinogradTransforms, (float*)pp + (long)c * hp * wp, wp, off + t0, panels * nr,
                                        v + (long)c * nr, xiStride, nr, (long)cin * nr);
                                for (int xi = 0; xi < 16; xi++)
                                    for (int p = 0; p < panels; p++)
                                    {
                                        float* bPanel = v + xi * xiStride + (long)p * cin * nr;
                                        for (int op = 0; op < oPanels; op++)
                                            kernel.Run(cin, (float*)up + ((long)(xi * oPanels + op) * cin) * mr, bPanel,
                                                m + xi * mXi + (long)op * mr * blockTiles + p * nr, blockTiles, 1f, 0f);
                                    }
                                int real = Math.Min(blockTiles, count - t0);
                                for (int o = 0; o < cout; o++)
                                    OutputTransform(options.VectorWinogradTransforms, m + (long)o * blockTiles, mXi, real,
                                        outOff + t0, (float*)yp + (long)o * h * w, h, w, tiles,
                                        bp == 0 ? 0f : ((float*)bp)[o], accumulate, t0);
                            }
                        }
                    }
                    finally
                    {
                        BufferPool.Return(vArray);
                        BufferPool.Return(mArray);
                    }
                });
            }
        }
        finally
        {
            BufferPool.Return(uArray);
            BufferPool.Return(padArray);
        }
    }

    /// <summary>
    /// <see cref="Convolve"/> for filters too large to re-read for every block of tiles (deep layers, small maps):
    /// all tiles' V first (parallel over input channels), then the 16 products with each filter panel read once
    /// (parallel over ξ and groups of output channels), then the output transform (parallel over output channels).
    /// </summary>
    internal static unsafe void ConvolveInPhases(float* x, int n, int cin, int h, int w, float* weight, bool backwardData,
        int cout, float* bias, float* y, bool accumulate, KernelOptions options)
    {
        var kernel = options.Gemm;
        int mr = kernel.Mr, nr = kernel.Nr;
        var tiles = new WinogradTiles(n, h, w);
        int count = tiles.Count, panels = (count + nr - 1) / nr, width = panels * nr;
        int hp = 2 * tiles.TilesH + 2, wp = 2 * tiles.TilesW + 2;
        int oPanels = (cout + mr - 1) / mr, oPad = oPanels * mr;
        // Output-channel panels per parallel unit: about 64 rows, so a unit's filter panels stay in L2 while the tile panels stream.
        int groupPanels = Math.Max(1, 64 / mr), groups = (oPanels + groupPanels - 1) / groupPanels;
        float[] uArray = BufferPool.Rent(16 * oPad * cin, zero: true);
        float[] padArray = BufferPool.Rent(checked(n * cin * hp * wp), zero: false);
        long xiStride = WinogradTiles.Skewed((long)panels * cin * nr), mXi = WinogradTiles.Skewed((long)oPad * width);
        float[] vArray = BufferPool.Rent(checked((int)(16 * xiStride)), zero: false);
        float[] mArray = BufferPool.Rent(checked((int)(16 * mXi)), zero: false);
        var offsets = tiles.PatchOffsets(cin, 1, nr);
        var outOffsets = OutputTileOffsets(tiles, cout, nr);
        try
        {
            fixed (float* u = uArray, padded = padArray, v = vArray, m = mArray)
            fixed (int* off = offsets, outOff = outOffsets)
            {
                TransformFilters(weight, backwardData, cout, cin, u, oPanels, mr);
                ConvKernels.PadPlanes(x, n * cin, h, w, padded, hp, wp, 1, options.RowWidth);
                nint up = (nint)u, pp = (nint)padded, vp = (nint)v, mp = (nint)m, yp = (nint)y, bp = (nint)bias, op = (nint)off, oo = (nint)outOff;
                Workers.For(cin, Math.Max(1, 4096 / width), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c0, c1) =>
                {
                    for (int c = c0; c < c1; c++)
                        InputTransform(options.VectorWinogradTransforms, (float*)pp + (long)c * hp * wp, wp, (int*)op, width, (float*)vp + (long)c * nr, xiStride, nr, (long)cin * nr);
                });
                Workers.For(16 * groups, 1, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
                {
                    for (int unit = s; unit < e; unit++)
                    {
                        int xi = unit / groups, g0 = unit % groups * groupPanels, g1 = Math.Min(oPanels, g0 + groupPanels);
                        for (int p = 0; p < panels; p++)
                        {
                            float* bPanel = (float*)vp + xi * xiStride + (long)p * cin * nr;
                            for (int o = g0; o < g1; o++)
                                kernel.Run(cin, (float*)up + ((long)(xi * oPanels + o) * cin) * mr, bPanel,
                                    (float*)mp + xi * mXi + (long)o * mr * width + p * nr, width, 1f, 0f);
                        }
                    }
                });
                Workers.For(cout, Math.Max(1, 4096 / width), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (o0, o1) =>
                {
                    for (int o = o0; o < o1; o++)
                        OutputTransform(options.VectorWinogradTransforms, (float*)mp + (long)o * width, mXi, count, (int*)oo,
                            (float*)yp + (long)o * h * w, h, w, tiles, bp == 0 ? 0f : ((float*)bp)[o], accumulate, 0);
                });
            }
        }
        finally
        {
            BufferPool.Return(uArray);
            BufferPool.Return(padArray);
            BufferPool.Return(vArray);
            BufferPool.Return(mArray);
        }
    }

    /// <summary>
    /// U[ξ] = (G·g·Gᵀ)[ξ] for every output channel o and input channel c, in A panels: u[((ξ·panels + o/mr)·Cin + c)·mr + o%mr]
    /// (rows past Cout stay zero). g = w[o, c] or, for the data gradient, w[c, o] turned by 180°.
    /// </summary>
    internal static unsafe void TransformFilters(float* weight, bool backwardData, int cout, int cin, float* u, int oPanels, int mr)
    {
        nint wp = (nint)weight, up = (nint)u;
        Workers.For(cout, Math.Max(1, 4096 / Math.Max(1, cin)), (o0, o1) =>
        {
            float* g = stackalloc float[9];
            float* t = stackalloc float[12];
            for (int o = o0; o < o1; o++)
                for (int c = 0; c < cin; c++)
                {
                    float* src = backwardData ? (float*)wp + ((long)c * cout + o) * 9 : (float*)wp + ((long)o * cin + c) * 9;
                    for (int k = 0; k < 9; k++) g[k] = backwardData ? src[8 - k] : src[k];
                    // t = G·g (4×3), then U = t·Gᵀ (4×4).
                    for (int q = 0; q < 3; q++)
                    {
                        float g0 = g[q], g1 = g[3 + q], g2 = g[6 + q];
                        t[q] = g0;
                        t[3 + q] = 0.5f * (g0 + g1 + g2);
                        t[6 + q] = 0.5f * (g0 - g1 + g2);
                        t[9 + q] = g2;
                    }
                    float* dst = (float*)up + ((long)(o / mr) * cin + c) * mr + o % mr;
                    long xiStride = (long)oPanels * cin * mr;
                    for (int a = 0; a < 4; a++)
                    {
                        float r0 = t[3 * a], r1 = t[3 * a + 1], r2 = t[3 * a + 2];
                        dst[(4 * a) * xiStride] = r0;
                        dst[(4 * a + 1) * xiStride] = 0.5f * (r0 + r1 + r2);
                        dst[(4 * a + 2) * xiStride] = 0.5f * (r0 - r1 + r2);
                        dst[(4 * a + 3) * xiStride] = r2;
                    }
                }
        });
    }

    /// <summary>
    /// For tiles u &lt; <paramref name="tiles"/> (a multiple of 8) whose 4×4 patches start at plane + offsets[u] (row stride
    /// <paramref name="wp"/>): V = Bᵀ·d·B, element ξ of tile u at dst[ξ·xiStride + (u / width)·panelStride + u % width].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void InputTransform(bool vector, float* plane, int wp, int* offsets, int tiles, float* dst, long xiStride, int width, long panelStride)
    {
        if (vector && width % 8 == 0)
        {
            for (int u = 0; u < tiles; u += 8)
            {
                var index = Avx.LoadVector256(offsets + u);
                float* r0 = plane, r1 = plane + wp, r2 = plane + 2 * wp, r3 = plane + 3 * wp;
                var d00 = Avx2.GatherVector256(r0, index, 4); var d01 = Avx2.GatherVector256(r0 + 1, index, 4);
                var d02 = Avx2.GatherVector256(r0 + 2, index, 4); var d03 = Avx2.GatherVector256(r0 + 3, index, 4);
                var d10 = Avx2.GatherVector256(r1, index, 4); var d11 = Avx2.GatherVector256(r1 + 1, index, 4);
                var d12 = Avx2.GatherVector256(r1 + 2, index, 4); var d13 = Avx2.GatherVector256(r1 + 3, index, 4);
                var d20 = Avx2.GatherVector256(r2, index, 4); var d21 = Avx2.GatherVector256(r2 + 1, index, 4);
                var d22 = Avx2.GatherVector256(r2 + 2, index, 4); var d23 = Avx2.GatherVector256(r2 + 3, index, 4);
                var d30 = Avx2.GatherVector256(r3, index, 4); var d31 = Avx2.GatherVector256(r3 + 1, index, 4);
                var d32 = Avx2.GatherVector256(r3 + 2, index, 4); var d33 = Avx2.GatherVector256(r3 + 3, index, 4);
                StoreInputTransform(d00, d01, d02, d03, d10, d11, d12, d13, d20, d21, d22, d23, d30, d31, d32, d33,
                    dst + (long)(u / width) * panelStride + u % width, xiStride);
            }
            return;
        }
        float* e = stackalloc float[16];
        for (int u = 0; u < tiles; u++)
        {
            float* p = plane + offsets[u];
            for (int s = 0; s < 4; s++)
            {
                float d0 = p[s], d1 = p[wp + s], d2 = p[2 * wp + s], d3 = p[3 * wp + s];
                e[s] = d0 - d2;
                e[4 + s] = d1 + d2;
                e[8 + s] = d2 - d1;
                e[12 + s] = d1 - d3;
            }
            float* d = dst + (long)(u / width) * panelStride + u % width;
            for (int a = 0; a < 4; a++)
            {
                float f0 = e[4 * a], f1 = e[4 * a + 1], f2 = e[4 * a + 2], f3 = e[4 * a + 3];
                d[(4 * a) * xiStride] = f0 - f2;
                d[(4 * a + 1) * xiStride] = f1 + f2;
                d[(4 * a + 2) * xiStride] = f2 - f1;
                d[(4 * a + 3) * xiStride] = f1 - f3;
            }
        }
    }

    /// <summary>V = Bᵀ·d·B of eight 4×4 patches held as 16 vectors d_rs (row r, column s); element ξ stored at d + ξ·xiStride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void StoreInputTransform(
        Vector256<float> d00, Vector256<float> d01, Vector256<float> d02, Vector256<float> d03,
        Vector256<float> d10, Vector256<float> d11, Vector256<float> d12, Vector256<float> d13,
        Vector256<float> d20, Vector256<float> d21, Vector256<float> d22, Vector256<float> d23,
        Vector256<float> d30, Vector256<float> d31, Vector256<float> d32, Vector256<float> d33, float* d, long xiStride)
    {
        // Columns first: e_s = Bᵀ·d[:, s] = (d0 − d2, d1 + d2, d2 − d1, d1 − d3); then each row e_a·B the same way.
        Row(d00 - d20, d01 - d21, d02 - d22, d03 - d23, d, xiStride);
        Row(d10 + d20, d11 + d21, d12 + d22, d13 + d23, d + 4 * xiStride, xiStride);
        Row(d20 - d10, d21 - d11, d22 - d12, d23 - d13, d + 8 * xiStride, xiStride);
        Row(d10 - d30, d11 - d31, d12 - d32, d13 - d33, d + 12 * xiStride, xiStride);

        static void Row(Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3, float* d, long xiStride)
        {
            (f0 - f2).Store(d);
            (f1 + f2).Store(d + xiStride);
            (f2 - f1).Store(d + 2 * xiStride);
            (f1 - f3).Store(d + 3 * xiStride);
        }
    }

    /// <summary>
    /// outOffsets[t] = n·channels·H·W + 2i·W + 2j: where tile t's outputs start in a map [N, channels, H, W] (channel 0);
    /// the array runs to a multiple of <paramref name="multiple"/>.
    /// </summary>
    internal static int[] OutputTileOffsets(WinogradTiles tiles, int channels, int multiple)
    {
        var offsets = new int[(tiles.Count + multiple - 1) / multiple * multiple];
        int perImage = tiles.PerImage;
        for (int t = 0; t < tiles.Count; t++)
        {
            int n = t / perImage, i = t % perImage / tiles.TilesW, j = t % tiles.TilesW;
            offsets[t] = checked(n * channels * tiles.H * tiles.W + 2 * i * tiles.W + 2 * j);
        }
        return offsets;
    }

    /// <summary>
    /// Y = Aᵀ·M·A for <paramref name="tiles"/> tiles of one output channel, M element ξ of tile u at m[ξ·xiStride + u], the
    /// 2×2 outputs (plus <paramref name="bias"/>) written or added to y + outOffsets[u] (row stride W), clipped at the
    /// map's last row and column when H or W is odd. <paramref name="t0"/> is the first tile's index in the batch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void OutputTransform(bool vector, float* m, long xiStride, int tiles, int* outOffsets, float* y, int h, int w,
        WinogradTiles geometry, float bias, bool accumulate, int t0)
    {
        float* out4 = stackalloc float[32];

        int tilesW = geometry.TilesW, perImage = geometry.PerImage;
        bool clipRows = h % 2 == 1, clipCols = w % 2 == 1;
        for (int u0 = 0; u0 < tiles; u0 += 8)
        {
            int lanes = Math.Min(8, tiles - u0);
            if (vector)
            {
                // Rows first: s_b = Aᵀ·M[:, b], two rows per column b.
                float* p = m + u0;
                var m00 = Vector256.Load(p); var m01 = Vector256.Load(p + xiStride); var m02 = Vector256.Load(p + 2 * xiStride); var m03 = Vector256.Load(p + 3 * xiStride);
                var m10 = Vector256.Load(p + 4 * xiStride); var m11 = Vector256.Load(p + 5 * xiStride); var m12 = Vector256.Load(p + 6 * xiStride); var m13 = Vector256.Load(p + 7 * xiStride);
                var m20 = Vector256.Load(p + 8 * xiStride); var m21 = Vector256.Load(p + 9 * xiStride); var m22 = Vector256.Load(p + 10 * xiStride); var m23 = Vector256.Load(p + 11 * xiStride);
                var m30 = Vector256.Load(p + 12 * xiStride); var m31 = Vector256.Load(p + 13 * xiStride); var m32 = Vector256.Load(p + 14 * xiStride); var m33 = Vector256.Load(p + 15 * xiStride);
                Vector256<float> s00 = m00 + m10 + m20, s01 = m01 + m11 + m21, s02 = m02 + m12 + m22, s03 = m03 + m13 + m23;
                Vector256<float> s10 = m10 - m20 - m30, s11 = m11 - m21 - m31, s12 = m12 - m22 - m32, s13 = m13 - m23 - m33;
                var vb = Vector256.Create(bias);
                Vector256<float> y00 = s00 + s01 + s02 + vb, y01 = s01 - s02 - s03 + vb, y10 = s10 + s11 + s12 + vb, y11 = s11 - s12 - s13 + vb;
                if (lanes == 8 && outOffsets[u0 + 7] - outOffsets[u0] == 14)
                {
                    int t = t0 + u0;
                    bool clipped = (clipRows && t % perImage / tilesW == geometry.TilesH - 1) || (clipCols && (t + 7) % tilesW == tilesW - 1);
                    if (!clipped)
                    {
                        // Eight full tiles side by side: two output rows of 16 contiguous values, interleaved in registers.
                        float* dst = y + outOffsets[u0];
                        StoreInterleaved(y00, y01, dst, accumulate);
                        StoreInterleaved(y10, y11, dst + w, accumulate);
                        continue;
                    }
                }
                y00.Store(out4);
                y01.Store(out4 + 8);
                y10.Store(out4 + 16);
                y11.Store(out4 + 24);
            }
            else
            {
                for (int l = 0; l < lanes; l++)
                {
                    float* p = m + u0 + l;
                    float s00 = p[0] + p[4 * xiStride] + p[8 * xiStride], s01 = p[xiStride] + p[5 * xiStride] + p[9 * xiStride];
                    float s02 = p[2 * xiStride] + p[6 * xiStride] + p[10 * xiStride], s03 = p[3 * xiStride] + p[7 * xiStride] + p[11 * xiStride];
                    float s10 = p[4 * xiStride] - p[8 * xiStride] - p[12 * xiStride], s11 = p[5 * xiStride] - p[9 * xiStride] - p[13 * xiStride];
                    float s12 = p[6 * xiStride] - p[10 * xiStride] - p[14 * xiStride], s13 = p[7 * xiStride] - p[11 * xiStride] - p[15 * xiStride];
                    out4[l] = s00 + s01 + s02 + bias;
                    out4[8 + l] = s01 - s02 - s03 + bias;
                    out4[16 + l] = s10 + s11 + s12 + bias;
                    out4[24 + l] = s11 - s12 - s13 + bias;
                }
            }
            for (int l = 0; l < lanes; l++)
            {
                int t = t0 + u0 + l;
                float* dst = y + outOffsets[u0 + l];
                bool lastRow = clipRows && t % perImage / tilesW == geometry.TilesH - 1;
                bool lastCol = clipCols && t % tilesW == tilesW - 1;
                if (accumulate)
                {
                    dst[0] += out4[l];
                    if (!lastCol) dst[1] += out4[8 + l];
                    if (!lastRow)
                    {
                        dst[w] += out4[16 + l];
                        if (!lastCol) dst[w + 1] += out4[24 + l];
                    }
                }
                else
                {
                    dst[0] = out4[l];
                    if (!lastCol) dst[1] = out4[8 + l];
                    if (!lastRow)
                    {
                        dst[w] = out4[16 + l];
                        if (!lastCol) dst[w + 1] = out4[24 + l];
                    }
                }
            }
        }
    }

    /// <summary>dst[0..16) (+)= (a0, b0, a1, b1, …, a7, b7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void StoreInterleaved(Vector256<float> a, Vector256<float> b, float* dst, bool accumulate)
    {
        var low = Avx.UnpackLow(a, b);   // a0 b0 a1 b1 | a4 b4 a5 b5
        var high = Avx.UnpackHigh(a, b); // a2 b2 a3 b3 | a6 b6 a7 b7
        var first = Avx.Permute2x128(low, high, 0x20);
        var second = Avx.Permute2x128(low, high, 0x31);
        if (accumulate)
        {
            first += Vector256.Load(dst);
            second += Vector256.Load(dst + 8);
        }
        first.Store(dst);
        second.Store(dst + 8);
    }
}
