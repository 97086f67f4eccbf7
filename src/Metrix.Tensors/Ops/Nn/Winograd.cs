using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Whether 3×3 convolutions with stride 1 and padding 1 run by Winograd's minimal filtering F(2×2, 3×3) instead of
    /// im2col (tests switch it off to run the im2col path on the same shapes).
    /// </summary>
    internal static bool WinogradConvolutions { get; set; } = true;

    /// <summary>
    /// Whether the weight gradient's transforms write the micro-kernel's panels directly (with an 8-row kernel and AVX2),
    /// rather than row-major matrices for <see cref="Gemm.Multiply(bool, bool, int, int, int, float, float*, int, float*, int, float, float*, int)"/> to pack (tests and benchmarks compare both).
    /// </summary>
    internal static bool PackedWinogradWeightGradient { get; set; } = true;

    /// <summary>Whether the Winograd transforms gather 8 tiles at once with AVX2 (tests switch it off to run the scalar path).</summary>
    internal static bool VectorWinogradTransforms { get; set; } = Avx2.IsSupported;

    /// <summary>Floats a tile block's transformed input aims at (16 · C · tiles), so that it stays in the L2 cache.</summary>
    private const int WinogradBlockFloats = 1 << 17;

    /// <summary>Most floats of the weight gradient's transformed input and output gradient together, per chunk of images.</summary>
    internal const long DefaultWinogradWeightChunkFloats = 1L << 24;

    /// <summary><see cref="DefaultWinogradWeightChunkFloats"/>, lowered by tests to run the chunked accumulation on small inputs.</summary>
    internal static long WinogradWeightChunkFloats { get; set; } = DefaultWinogradWeightChunkFloats;

    /// <summary>
    /// 3×3, stride 1, padding 1, on maps of more than 2×2 whose 2×2 tiles overhang them by at most 15 %: on 2×2 maps and
    /// smaller a tile is the whole map and im2col's product, which is no longer than Winograd's there, runs faster
    /// without the transforms; odd maps such as ResNet-50's 7×7 at 224 px compute 64 outputs for 49 and measured no
    /// faster than im2col (25 against 22 ms forward at batch 16).
    /// </summary>
    private static bool UsesWinograd(ConvGeometry g) =>
        WinogradConvolutions && g.KH == 3 && g.KW == 3 && g.Stride == 1 && g.Padding == 1 && g.H * g.W > 4
        && 20L * 4 * ((g.H + 1) / 2) * ((g.W + 1) / 2) <= 23L * g.H * g.W;

    /// <summary>
    /// The distance between the 16 matrices of a transform that are <paramref name="floats"/> long: one cache line more,
    /// so that the 16 rows a transform writes or reads at once fall in different cache sets (sizes that are multiples of
    /// 4 KB would put all 16 in one set and evict each other).
    /// </summary>
    private static long Skewed(long floats) => floats + 16;

    /// <summary>
    /// Output tiles of F(2×2, 3×3) over maps H×W: ⌈H/2⌉×⌈W/2⌉ per image, tile t = (n, i, j) covering output rows 2i, 2i+1
    /// and columns 2j, 2j+1.
    /// </summary>
    private readonly record struct WinogradTiles(int N, int H, int W)
    {
        public int TilesH => (H + 1) / 2;
        public int TilesW => (W + 1) / 2;
        public int PerImage => TilesH * TilesW;
        public int Count => N * PerImage;

        /// <summary>
        /// offsets[t] = n·channels·Hp·Wp + 2i·Wp + 2j: where tile t's 2·<paramref name="border"/>+2 square patch starts in
        /// a copy of the maps with <paramref name="border"/> zeros above and left, of Hp×Wp = (2⌈H/2⌉ + 2·border)². The
        /// array runs 8 past a multiple of <paramref name="multiple"/>, so that groups of 8 from any tile stay inside; the
        /// extra tiles read the first patch.
        /// </summary>
        public int[] PatchOffsets(int channels, int border, int multiple)
        {
            int hp = 2 * TilesH + 2 * border, wp = 2 * TilesW + 2 * border, perImage = PerImage;
            var offsets = new int[(Count + multiple - 1) / multiple * multiple + 8];
            for (int t = 0; t < Count; t++)
            {
                int n = t / perImage, i = t % perImage / TilesW, j = t % TilesW;
                offsets[t] = checked(n * channels * hp * wp + 2 * i * wp + 2 * j);
            }
            return offsets;
        }
    }

    /// <summary>
    /// dst[n, c, border + h, border + w] = src[n, c, h, w] with zeros elsewhere, dst planes Hp×Wp; parallel over planes.
    /// </summary>
    private static unsafe void PadPlanes(float* src, int planes, int h, int w, float* dst, int hp, int wp, int border)
    {
        nint sp = (nint)src, dp = (nint)dst;
        Workers.For(planes, Math.Max(1, 16384 / (hp * wp)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
        {
            for (int plane = s; plane < e; plane++)
            {
                float* from = (float*)sp + (long)plane * h * w;
                float* to = (float*)dp + (long)plane * hp * wp;
                RowKernels.Zero(to, border * wp);
                for (int r = 0; r < h; r++)
                {
                    float* row = to + (long)(border + r) * wp;
                    RowKernels.Zero(row, border);
                    RowKernels.Copy(from + (long)r * w, row + border, w);
                    RowKernels.Zero(row + border + w, wp - border - w);
                }
                RowKernels.Zero(to + (long)(border + h) * wp, (hp - border - h) * wp);
            }
        });
    }

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
    private static unsafe void WinogradConvolve(float* x, int n, int cin, int h, int w, float* weight, bool backwardData,
        int cout, float* bias, float* y, bool accumulate)
    {
        var kernel = Gemm.Kernel;
        int mr = kernel.Mr, nr = kernel.Nr;
        var tiles = new WinogradTiles(n, h, w);
        int count = tiles.Count;
        int hp = 2 * tiles.TilesH + 2, wp = 2 * tiles.TilesW + 2;
        int oPanels = (cout + mr - 1) / mr, oPad = oPanels * mr;
        if (16L * oPad * cin > WinogradBlockFloats)
        {
            WinogradConvolveInPhases(x, n, cin, h, w, weight, backwardData, cout, bias, y, accumulate);
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
                PadPlanes(x, n * cin, h, w, padded, hp, wp, 1);
                nint up = (nint)u, pp = (nint)padded, yp = (nint)y, bp = (nint)bias;
                Workers.For(blocks, 1, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b0, b1) =>
                {
                    long vSize = 16 * Skewed((long)panelsPerBlock * cin * nr), mXi = Skewed((long)oPad * blockTiles), mSize = 16 * mXi;
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
                                long xiStride = Skewed((long)panels * cin * nr);
                                for (int c = 0; c < cin; c++)
                                    InputTransform((float*)pp + (long)c * hp * wp, wp, off + t0, panels * nr,
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
                                    OutputTransform(m + (long)o * blockTiles, mXi, real,
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
    /// <see cref="WinogradConvolve"/> for filters too large to re-read for every block of tiles (deep layers, small maps):
    /// all tiles' V first (parallel over input channels), then the 16 products with each filter panel read once
    /// (parallel over ξ and groups of output channels), then the output transform (parallel over output channels).
    /// </summary>
    private static unsafe void WinogradConvolveInPhases(float* x, int n, int cin, int h, int w, float* weight, bool backwardData,
        int cout, float* bias, float* y, bool accumulate)
    {
        var kernel = Gemm.Kernel;
        int mr = kernel.Mr, nr = kernel.Nr;
        var tiles = new WinogradTiles(n, h, w);
        int count = tiles.Count, panels = (count + nr - 1) / nr, width = panels * nr;
        int hp = 2 * tiles.TilesH + 2, wp = 2 * tiles.TilesW + 2;
        int oPanels = (cout + mr - 1) / mr, oPad = oPanels * mr;
        // Output-channel panels per parallel unit: about 64 rows, so a unit's filter panels stay in L2 while the tile panels stream.
        int groupPanels = Math.Max(1, 64 / mr), groups = (oPanels + groupPanels - 1) / groupPanels;
        float[] uArray = BufferPool.Rent(16 * oPad * cin, zero: true);
        float[] padArray = BufferPool.Rent(checked(n * cin * hp * wp), zero: false);
        long xiStride = Skewed((long)panels * cin * nr), mXi = Skewed((long)oPad * width);
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
                PadPlanes(x, n * cin, h, w, padded, hp, wp, 1);
                nint up = (nint)u, pp = (nint)padded, vp = (nint)v, mp = (nint)m, yp = (nint)y, bp = (nint)bias, op = (nint)off, oo = (nint)outOff;
                Workers.For(cin, Math.Max(1, 4096 / width), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c0, c1) =>
                {
                    for (int c = c0; c < c1; c++)
                        InputTransform((float*)pp + (long)c * hp * wp, wp, (int*)op, width, (float*)vp + (long)c * nr, xiStride, nr, (long)cin * nr);
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
                        OutputTransform((float*)mp + (long)o * width, mXi, count, (int*)oo,
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
    private static unsafe void TransformFilters(float* weight, bool backwardData, int cout, int cin, float* u, int oPanels, int mr)
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
    private static unsafe void InputTransform(float* plane, int wp, int* offsets, int tiles, float* dst, long xiStride, int width, long panelStride)
    {
        if (VectorWinogradTransforms && width % 8 == 0)
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
    private static unsafe void StoreInputTransform(
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
    /// <see cref="InputTransform"/> with 8 channels in the vector lanes instead of 8 tiles: for tiles u &lt;
    /// <paramref name="tiles"/>, lane l's patch starts at origin + offsets[u] + channels[l] (each lane's offset in floats
    /// from the first channel's plane); V of tile u at dst + u·<paramref name="tileStride"/>, element ξ a further
    /// ξ·xiStride on — the weight gradient's B panels, whose lanes are input channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputTransformChannels(float* origin, Vector256<int> channels, int wp, int* offsets, int tiles, float* dst, long xiStride, int tileStride)
    {
        for (int u = 0; u < tiles; u++)
        {
            float* r0 = origin + offsets[u], r1 = r0 + wp, r2 = r1 + wp, r3 = r2 + wp;
            StoreInputTransform(
                Avx2.GatherVector256(r0, channels, 4), Avx2.GatherVector256(r0 + 1, channels, 4), Avx2.GatherVector256(r0 + 2, channels, 4), Avx2.GatherVector256(r0 + 3, channels, 4),
                Avx2.GatherVector256(r1, channels, 4), Avx2.GatherVector256(r1 + 1, channels, 4), Avx2.GatherVector256(r1 + 2, channels, 4), Avx2.GatherVector256(r1 + 3, channels, 4),
                Avx2.GatherVector256(r2, channels, 4), Avx2.GatherVector256(r2 + 1, channels, 4), Avx2.GatherVector256(r2 + 2, channels, 4), Avx2.GatherVector256(r2 + 3, channels, 4),
                Avx2.GatherVector256(r3, channels, 4), Avx2.GatherVector256(r3 + 1, channels, 4), Avx2.GatherVector256(r3 + 2, channels, 4), Avx2.GatherVector256(r3 + 3, channels, 4),
                dst + (long)u * tileStride, xiStride);
        }
    }

    /// <summary>
    /// <see cref="OutputGradientTransform"/> with 8 output channels in the lanes (each lane's offset in floats from the first
    /// channel's plane in <paramref name="channels"/>): ∂M of tile u at dst + u·<paramref name="tileStride"/> + ξ·xiStride —
    /// the weight gradient's A panels, whose lanes are output channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void OutputGradientTransformChannels(float* origin, Vector256<int> channels, int wg, int* offsets, int tiles, float* dst, long xiStride, int tileStride)
    {
        for (int u = 0; u < tiles; u++)
        {
            float* p = origin + offsets[u];
            StoreOutputGradientTransform(Avx2.GatherVector256(p, channels, 4), Avx2.GatherVector256(p + 1, channels, 4),
                Avx2.GatherVector256(p + wg, channels, 4), Avx2.GatherVector256(p + wg + 1, channels, 4), dst + (long)u * tileStride, xiStride);
        }
    }

    /// <summary>∂M = A·∂Y·Aᵀ of eight 2×2 output-gradient tiles held as 4 vectors; element ξ stored at d + ξ·xiStride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreOutputGradientTransform(Vector256<float> g00, Vector256<float> g01, Vector256<float> g10, Vector256<float> g11, float* d, long xiStride)
    {
        // Columns: r_a = (A·∂Y)[a, :] for a = 0..3, then rows: ∂M[a, :] = r_a·Aᵀ.
        Row(g00, g01, d, xiStride);
        Row(g00 + g10, g01 + g11, d + 4 * xiStride, xiStride);
        Row(g00 - g10, g01 - g11, d + 8 * xiStride, xiStride);
        Row(-g10, -g11, d + 12 * xiStride, xiStride);

        static void Row(Vector256<float> r0, Vector256<float> r1, float* d, long xiStride)
        {
            r0.Store(d);
            (r0 + r1).Store(d + xiStride);
            (r0 - r1).Store(d + 2 * xiStride);
            (-r1).Store(d + 3 * xiStride);
        }
    }

    /// <summary>
    /// outOffsets[t] = n·channels·H·W + 2i·W + 2j: where tile t's outputs start in a map [N, channels, H, W] (channel 0);
    /// the array runs to a multiple of <paramref name="multiple"/>.
    /// </summary>
    private static int[] OutputTileOffsets(WinogradTiles tiles, int channels, int multiple)
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
    private static unsafe void OutputTransform(float* m, long xiStride, int tiles, int* outOffsets, float* y, int h, int w,
        WinogradTiles geometry, float bias, bool accumulate, int t0)
    {
        float* out4 = stackalloc float[32];
        bool vector = VectorWinogradTransforms;
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
    private static unsafe void StoreInterleaved(Vector256<float> a, Vector256<float> b, float* dst, bool accumulate)
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

    /// <summary>
    /// ∂w (+)= the weight gradient of y = conv3×3(x, w, padding 1) by F(2×2, 3×3): with V = Bᵀ·d·B of the input patches and
    /// ∂M = A·∂Y·Aᵀ of the output gradient's 2×2 tiles, ∂U[ξ] = Σ_tiles ∂M[ξ]·V[ξ]ᵀ (16 products over the tiles, in chunks
    /// of images), then ∂w = Gᵀ·∂U·G.
    /// </summary>
    private static unsafe void WinogradWeightGradient(float* x, float* gy, int n, int cin, int h, int w, int cout, float* gw, bool accumulate)
    {
        var tilesAll = new WinogradTiles(n, h, w);
        int perImage = tilesAll.PerImage;
        int hp = 2 * tilesAll.TilesH + 2, wp = 2 * tilesAll.TilesW + 2;
        int hg = 2 * tilesAll.TilesH, wg = 2 * tilesAll.TilesW;
        bool padGy = hg != h || wg != w;
        // With an 8-row micro-kernel the transforms write the GEMM's panels themselves (channels in the vector lanes):
        // ∂M as A panels [ξ][o/8][tile][8], V as B panels [ξ][c/nr][tile][nr], multiplied by the micro-kernel directly.
        var kernel = Gemm.Kernel;
        int nr = kernel.Nr;
        // Channels in the lanes gather from 8 planes at once, which stays in cache on small maps only (on ResNet-50's 56×56
        // maps at 224 px it measured 10 % slower than the row-major products; on ResNet-18's 16×16 at 64 px, 12 % faster).
        bool packed = PackedWinogradWeightGradient && VectorWinogradTransforms && kernel.Mr == 8 && nr % 8 == 0 && hp * wp <= 1024;
        int cPanels = (cin + nr - 1) / nr, oPanels = (cout + 7) / 8, cPad = cPanels * nr, oPad = oPanels * 8;
        long perImageFloats = 16L * (cin + cout) * perImage;
        int chunkImages = (int)Math.Clamp(WinogradWeightChunkFloats / Math.Max(1, perImageFloats), 1, n);
        int chunkTilesMax = chunkImages * perImage, ld = (chunkTilesMax + 7) / 8 * 8;
        float[] padArray = BufferPool.Rent(checked(n * cin * hp * wp), zero: false);
        float[]? gyPadArray = padGy ? BufferPool.Rent(checked(n * cout * hg * wg), zero: false) : null;
        long vXi = Skewed(packed ? (long)cPanels * chunkTilesMax * nr : (long)cin * ld);
        long gmXi = Skewed(packed ? (long)oPanels * chunkTilesMax * 8 : (long)cout * ld);
        float[] vArray = BufferPool.Rent(checked((int)(16 * vXi)), zero: false);
        float[] gmArray = BufferPool.Rent(checked((int)(16 * gmXi)), zero: false);
        int guRows = packed ? oPad : cout, guCols = packed ? cPad : cin;
        float[] guArray = BufferPool.Rent(16 * guRows * guCols, zero: false);
        var offsets = tilesAll.PatchOffsets(cin, 1, 8);
        var gyOffsets = tilesAll.PatchOffsets(cout, 0, 8);
        try
        {
            fixed (float* padded = padArray, gyPadded = gyPadArray, v = vArray, gm = gmArray, gu = guArray)
            fixed (int* off = offsets, gyOff = gyOffsets)
            {
                PadPlanes(x, n * cin, h, w, padded, hp, wp, 1);
                if (gyPadded != null) PadPlanes(gy, n * cout, h, w, gyPadded, hg, wg, 0);
                nint xs = (nint)padded, gs = gyPadded != null ? (nint)gyPadded : (nint)gy, vp = (nint)v, gmp = (nint)gm;
                nint op = (nint)off, gop = (nint)gyOff;
                for (int n0 = 0; n0 < n; n0 += chunkImages)
                {
                    int t0 = n0 * perImage, tiles = Math.Min(chunkImages, n - n0) * perImage, groups = (tiles + 7) / 8;
                    if (packed)
                    {
                        PackedWeightProducts(kernel, (float*)xs, hp * wp, cin, wp, (int*)op + t0, (float*)gs, hg * wg, cout, wg, (int*)gop + t0,
                            tiles, chunkTilesMax, v, vXi, gm, gmXi, gu, oPad, cPad, first: n0 == 0);
                        continue;
                    }
                    // V[ξ][c][t] and ∂M[ξ][o][t], row-major over the chunk's tiles; parallel over channels.
                    Workers.For(cin + cout, Math.Max(1, 2048 / Math.Max(1, tiles)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
                    {
                        for (int ch = s; ch < e; ch++)
                        {
                            if (ch < cin)
                                InputTransform((float*)xs + (long)ch * hp * wp, wp, (int*)op + t0, groups * 8,
                                    (float*)vp + (long)ch * ld, vXi, int.MaxValue & ~7, 0);
                            else
                                OutputGradientTransform((float*)gs + (long)(ch - cin) * hg * wg, wg, (int*)gop + t0, groups * 8,
                                    (float*)gmp + (long)(ch - cin) * ld, gmXi);
                        }
                    });
                    // The 16 products are small in Cout × Cin and long in tiles: one per thread at a time (a product inside a
                    // parallel body runs on its thread), rather than each split across threads.
                    nint gup = (nint)gu;
                    float beta = n0 == 0 ? 0f : 1f;
                    Workers.For(16, 1, (x0, x1) =>
                    {
                        for (int xi = x0; xi < x1; xi++)
                            Gemm.Multiply(false, true, cout, cin, tiles, 1f, (float*)gmp + xi * gmXi, ld, (float*)vp + xi * vXi, ld,
                                beta, (float*)gup + (long)xi * cout * cin, cin);
                    });
                }
                InverseFilterTransform(gu, cout, cin, guRows * guCols, guCols, gw, accumulate);
            }
        }
        finally
        {
            BufferPool.Return(padArray);
            if (gyPadArray is not null) BufferPool.Return(gyPadArray);
            BufferPool.Return(vArray);
            BufferPool.Return(gmArray);
            BufferPool.Return(guArray);
        }
    }

    /// <summary>
    /// For tiles u &lt; <paramref name="tiles"/> (a multiple of 8) whose 2×2 output gradients start at plane + offsets[u]
    /// (row stride <paramref name="wg"/>): ∂M = A·∂Y·Aᵀ, element ξ of tile u at dst[ξ·xiStride + u].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void OutputGradientTransform(float* plane, int wg, int* offsets, int tiles, float* dst, long xiStride)
    {
        if (VectorWinogradTransforms)
        {
            for (int u = 0; u < tiles; u += 8)
            {
                var index = Avx.LoadVector256(offsets + u);
                var g00 = Avx2.GatherVector256(plane, index, 4);
                var g01 = Avx2.GatherVector256(plane + 1, index, 4);
                var g10 = Avx2.GatherVector256(plane + wg, index, 4);
                var g11 = Avx2.GatherVector256(plane + wg + 1, index, 4);
                StoreOutputGradientTransform(g00, g01, g10, g11, dst + u, xiStride);
            }
            return;
        }
        for (int u = 0; u < tiles; u++)
        {
            float* p = plane + offsets[u];
            float g00 = p[0], g01 = p[1], g10 = p[wg], g11 = p[wg + 1];
            float* d = dst + u;
            ScalarRow(g00, g01, d, xiStride);
            ScalarRow(g00 + g10, g01 + g11, d + 4 * xiStride, xiStride);
            ScalarRow(g00 - g10, g01 - g11, d + 8 * xiStride, xiStride);
            ScalarRow(-g10, -g11, d + 12 * xiStride, xiStride);
        }

        static void ScalarRow(float r0, float r1, float* d, long xiStride)
        {
            d[0] = r0;
            d[xiStride] = r0 + r1;
            d[2 * xiStride] = r0 - r1;
            d[3 * xiStride] = -r1;
        }
    }

    /// <summary>
    /// ∂U[ξ] (+)= ∂M[ξ]·V[ξ]ᵀ over <paramref name="tiles"/> tiles for the 16 ξ, with the transforms writing the
    /// micro-kernel's panels: ∂M of 8 output channels per A panel, V of nr input channels per B panel, channels in the
    /// vector lanes (the lanes past the last channel repeat it, and land in padding rows and columns of ∂U). Parallel
    /// over channel groups for the transforms, then over (ξ, output panel) for the products, each summed over the tiles in
    /// depth steps of <see cref="Gemm.KC"/>. ∂U is [16][oPad][cPad]; <paramref name="first"/> overwrites it.
    /// </summary>
    private static unsafe void PackedWeightProducts(IGemmKernel kernel, float* x, int xPlane, int cin, int wp, int* offsets,
        float* gy, int gyPlane, int cout, int wg, int* gyOffsets, int tiles, int tileStride,
        float* v, long vXi, float* gm, long gmXi, float* gu, int oPad, int cPad, bool first)
    {
        int nr = kernel.Nr, cGroups = cPad / 8, oPanels = oPad / 8, cPanels = cPad / nr;
        nint xs = (nint)x, gs = (nint)gy, vp = (nint)v, gmp = (nint)gm, gup = (nint)gu, op = (nint)offsets, gop = (nint)gyOffsets;
        Workers.For(cGroups + oPanels, 1, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
        {
            for (int unit = s; unit < e; unit++)
            {
                bool input = unit < cGroups;
                int c0 = (input ? unit : unit - cGroups) * 8, channels = input ? cin : cout, plane = input ? xPlane : gyPlane;
                int baseChannel = Math.Min(c0, channels - 1);
                var lanes = Vector256.Create(
                    (Math.Min(c0, channels - 1) - baseChannel) * plane, (Math.Min(c0 + 1, channels - 1) - baseChannel) * plane,
                    (Math.Min(c0 + 2, channels - 1) - baseChannel) * plane, (Math.Min(c0 + 3, channels - 1) - baseChannel) * plane,
                    (Math.Min(c0 + 4, channels - 1) - baseChannel) * plane, (Math.Min(c0 + 5, channels - 1) - baseChannel) * plane,
                    (Math.Min(c0 + 6, channels - 1) - baseChannel) * plane, (Math.Min(c0 + 7, channels - 1) - baseChannel) * plane);
                if (input)
                    InputTransformChannels((float*)xs + (long)baseChannel * plane, lanes, wp, (int*)op, tiles,
                        (float*)vp + ((long)(c0 / nr) * tileStride) * nr + c0 % nr, vXi, nr);
                else
                    OutputGradientTransformChannels((float*)gs + (long)baseChannel * plane, lanes, wg, (int*)gop, tiles,
                        (float*)gmp + (long)(c0 / 8) * tileStride * 8, gmXi, 8);
            }
        });
        Workers.For(16 * oPanels, 1, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
        {
            for (int unit = s; unit < e; unit++)
            {
                int xi = unit / oPanels, panel = unit % oPanels;
                float* a = (float*)gmp + xi * gmXi + (long)panel * tileStride * 8;
                for (int cp = 0; cp < cPanels; cp++)
                {
                    float* b = (float*)vp + xi * vXi + (long)cp * tileStride * nr;
                    float* c = (float*)gup + ((long)xi * oPad + panel * 8) * cPad + cp * nr;
                    for (int k0 = 0; k0 < tiles; k0 += Gemm.KC)
                        kernel.Run(Math.Min(Gemm.KC, tiles - k0), a + (long)k0 * 8, b + (long)k0 * nr, c, cPad, 1f, first && k0 == 0 ? 0f : 1f);
                }
            }
        });
    }

    /// <summary>∂w[o, c] (+)= Gᵀ·∂U[o, c]·G (3×3 from 4×4), ∂U element ξ of (o, c) at gu[ξ·xiStride + o·rowStride + c].</summary>
    private static unsafe void InverseFilterTransform(float* gu, int cout, int cin, long xiStride, int rowStride, float* gw, bool accumulate)
    {
        nint up = (nint)gu, wp = (nint)gw;
        Workers.For(cout, Math.Max(1, 4096 / Math.Max(1, cin)), (o0, o1) =>
        {
            float* t = stackalloc float[12];
            for (int o = o0; o < o1; o++)
                for (int c = 0; c < cin; c++)
                {
                    float* src = (float*)up + (long)o * rowStride + c;
                    // t = Gᵀ·∂U (3×4), then ∂w = t·G (3×3); Gᵀ rows: [1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1].
                    for (int b = 0; b < 4; b++)
                    {
                        float u0 = src[b * xiStride], u1 = src[(4 + b) * xiStride], u2 = src[(8 + b) * xiStride], u3 = src[(12 + b) * xiStride];
                        t[b] = u0 + 0.5f * (u1 + u2);
                        t[4 + b] = 0.5f * (u1 - u2);
                        t[8 + b] = 0.5f * (u1 + u2) + u3;
                    }
                    float* dst = (float*)wp + ((long)o * cin + c) * 9;
                    for (int a = 0; a < 3; a++)
                    {
                        float r0 = t[4 * a], r1 = t[4 * a + 1], r2 = t[4 * a + 2], r3 = t[4 * a + 3];
                        float w0 = r0 + 0.5f * (r1 + r2), w1 = 0.5f * (r1 - r2), w2 = 0.5f * (r1 + r2) + r3;
                        if (accumulate) { dst[3 * a] += w0; dst[3 * a + 1] += w1; dst[3 * a + 2] += w2; }
                        else { dst[3 * a] = w0; dst[3 * a + 1] = w1; dst[3 * a + 2] = w2; }
                    }
                }
        });
    }
}
