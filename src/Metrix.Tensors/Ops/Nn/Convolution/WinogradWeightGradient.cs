using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>
/// The weight gradient of <see cref="WinogradConvolution"/>: the input's patches and the output gradient's tiles
/// transformed, 16 products summed over the tiles, then the inverse filter transform.
/// </summary>
internal static class WinogradWeightGradient
{
    /// <summary>
    /// ∂w (+)= the weight gradient of y = conv3×3(x, w, padding 1) by F(2×2, 3×3): with V = Bᵀ·d·B of the input patches and
    /// ∂M = A·∂Y·Aᵀ of the output gradient's 2×2 tiles, ∂U[ξ] = Σ_tiles ∂M[ξ]·V[ξ]ᵀ (16 products over the tiles, in chunks
    /// of images), then ∂w = Gᵀ·∂U·G.
    /// </summary>
    internal static unsafe void Run(float* x, float* gy, int n, int cin, int h, int w, int cout, float* gw, bool accumulate, KernelOptions options)
    {
        var tilesAll = new WinogradTiles(n, h, w);
        int perImage = tilesAll.PerImage;
        int hp = 2 * tilesAll.TilesH + 2, wp = 2 * tilesAll.TilesW + 2;
        int hg = 2 * tilesAll.TilesH, wg = 2 * tilesAll.TilesW;
        bool padGy = hg != h || wg != w;
        // With an 8-row micro-kernel the transforms write the GEMM's panels themselves (channels in the vector lanes):
        // ∂M as A panels [ξ][o/8][tile][8], V as B panels [ξ][c/nr][tile][nr], multiplied by the micro-kernel directly.
        var kernel = options.Gemm;
        int nr = kernel.Nr;
        // Channels in the lanes gather from 8 planes at once, which stays in cache on small maps only (on ResNet-50's 56×56
        // maps at 224 px it measured 10 % slower than the row-major products; on ResNet-18's 16×16 at 64 px, 12 % faster).
        bool packed = options.PackedWinogradWeightGradient && options.VectorWinogradTransforms && kernel.Mr == 8 && nr % 8 == 0 && hp * wp <= 1024;
        int cPanels = (cin + nr - 1) / nr, oPanels = (cout + 7) / 8, cPad = cPanels * nr, oPad = oPanels * 8;
        long perImageFloats = 16L * (cin + cout) * perImage;
        int chunkImages = (int)Math.Clamp(options.WinogradWeightChunkFloats / Math.Max(1, perImageFloats), 1, n);
        int chunkTilesMax = chunkImages * perImage, ld = (chunkTilesMax + 7) / 8 * 8;
        float[] padArray = BufferPool.Rent(checked(n * cin * hp * wp), zero: false);
        float[]? gyPadArray = padGy ? BufferPool.Rent(checked(n * cout * hg * wg), zero: false) : null;
        long vXi = WinogradTiles.Skewed(packed ? (long)cPanels * chunkTilesMax * nr : (long)cin * ld);
        long gmXi = WinogradTiles.Skewed(packed ? (long)oPanels * chunkTilesMax * 8 : (long)cout * ld);
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
                ConvKernels.PadPlanes(x, n * cin, h, w, padded, hp, wp, 1, options.RowWidth);
                if (gyPadded != null) ConvKernels.PadPlanes(gy, n * cout, h, w, gyPadded, hg, wg, 0, options.RowWidth);
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
                                WinogradForward.InputTransform(options.VectorWinogradTransforms, (float*)xs + (long)ch * hp * wp, wp, (int*)op + t0, groups * 8,
                                    (float*)vp + (long)ch * ld, vXi, int.MaxValue & ~7, 0);
                            else
                                OutputGradientTransform(options.VectorWinogradTransforms, (float*)gs + (long)(ch - cin) * hg * wg, wg, (int*)gop + t0, groups * 8,
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
                            Gemm.Multiply(options, false, true, cout, cin, tiles, 1f, (float*)gmp + xi * gmXi, ld, (float*)vp + xi * vXi, ld,
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
    internal static unsafe void OutputGradientTransform(bool vector, float* plane, int wg, int* offsets, int tiles, float* dst, long xiStride)
    {
        if (vector)
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
    internal static unsafe void PackedWeightProducts(IGemmKernel kernel, float* x, int xPlane, int cin, int wp, int* offsets,
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
    internal static unsafe void InverseFilterTransform(float* gu, int cout, int cin, long xiStride, int rowStride, float* gw, bool accumulate)
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

    /// <summary>
    /// <see cref="WinogradForward.InputTransform"/> with 8 channels in the vector lanes instead of 8 tiles: for tiles u &lt;
    /// <paramref name="tiles"/>, lane l's patch starts at origin + offsets[u] + channels[l] (each lane's offset in floats
    /// from the first channel's plane); V of tile u at dst + u·<paramref name="tileStride"/>, element ξ a further
    /// ξ·xiStride on — the weight gradient's B panels, whose lanes are input channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void InputTransformChannels(float* origin, Vector256<int> channels, int wp, int* offsets, int tiles, float* dst, long xiStride, int tileStride)
    {
        for (int u = 0; u < tiles; u++)
        {
            float* r0 = origin + offsets[u], r1 = r0 + wp, r2 = r1 + wp, r3 = r2 + wp;
            WinogradForward.StoreInputTransform(
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
    internal static unsafe void OutputGradientTransformChannels(float* origin, Vector256<int> channels, int wg, int* offsets, int tiles, float* dst, long xiStride, int tileStride)
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
    internal static unsafe void StoreOutputGradientTransform(Vector256<float> g00, Vector256<float> g01, Vector256<float> g10, Vector256<float> g11, float* d, long xiStride)
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
}
