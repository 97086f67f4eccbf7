using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Metrix.Tensors.Kernels;

/// <summary>
/// Single-precision general matrix multiply on row-major matrices:
/// C[m×n] = α·op(A)[m×k]·op(B)[k×n] + β·C, where op(X) is X or Xᵀ.
/// </summary>
/// <remarks>
/// <c>lda</c>, <c>ldb</c>, <c>ldc</c> are row strides in elements of
/// the matrices as stored (A is k×m when transposed). With β = 0, C is written without being read, so it
/// may hold garbage. Large products are cache-blocked (panels of <see cref="KC"/> depth, <see cref="NC"/>
/// columns), packed, and computed by the register-blocked micro-kernel of the best instruction set
/// (<see cref="KernelOptions.Gemm"/>); the tiles of C run in parallel. Every element of C is accumulated in the same
/// order whatever the thread count, so results are deterministic.
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>Depth of a packed panel.</summary>
    public const int KC = 256;

    /// <summary>Columns of B packed at once.</summary>
    public const int NC = 2048;

    /// <summary>Rows of C per parallel tile.</summary>
    private const int MC = 96;

    /// <summary>Columns of C per parallel tile.</summary>
    private const int NT = 256;

    /// <summary>The micro-kernel of <see cref="KernelOptions.Default"/>: the widest this processor runs natively.</summary>
    public static IGemmKernel Kernel => KernelOptions.Default.Gemm;

    /// <summary>C = α·op(A)·op(B) + β·C with the <see cref="KernelOptions.Default"/> kernels.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        Multiply(KernelOptions.Default, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>C = α·op(A)·op(B) + β·C with a given micro-kernel and the default packing (tests run every kernel).</summary>
    public static void Multiply(IGemmKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        var d = KernelOptions.Default;
        Multiply(kernel, d.VectorTranspose, d.SplitThinTiles, transA, transB, m, n, k, alpha, a, lda, b, ldb, null, beta, c, ldc);
    }

    /// <summary>C = α·op(A)·op(B) + β·C with the micro-kernel and packing of <paramref name="options"/>.</summary>
    public static void Multiply(KernelOptions options, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        Multiply(options.Gemm, options.VectorTranspose, options.SplitThinTiles, transA, transB, m, n, k, alpha, a, lda, b, ldb, null, beta, c, ldc);

    /// <summary>
    /// C = α·op(A)·B + β·C where B [k×n] is already in the kernel's panel layout (<see cref="PackedIndex"/>), as a
    /// producer such as im2col can write it: no packing pass over B. <paramref name="kernel"/> must be the one
    /// whose <see cref="IGemmKernel.Nr"/> the panels were written for.
    /// </summary>
    public static void MultiplyPacked(IGemmKernel kernel, bool transA, int m, int n, int k, float alpha,
        float* a, int lda, float* packedB, float beta, float* c, int ldc) =>
        MultiplyPacked(KernelOptions.Default with { Gemm = kernel }, transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc);

    /// <summary>
    /// <see cref="MultiplyPacked(IGemmKernel, bool, int, int, int, float, float*, int, float*, float, float*, int)"/> with the
    /// micro-kernel (<see cref="KernelOptions.Gemm"/>, whose <see cref="IGemmKernel.Nr"/> the panels were written for) and
    /// packing of <paramref name="options"/>.
    /// </summary>
    public static void MultiplyPacked(KernelOptions options, bool transA, int m, int n, int k, float alpha,
        float* a, int lda, float* packedB, float beta, float* c, int ldc)
    {
        var kernel = options.Gemm;
        if (k <= 0 || (long)m * n * k < 4096)
        {
            // Small products go through the reference on a plain copy of B.
            var plain = new float[(long)k * n];
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) plain[(long)p * n + j] = packedB[PackedIndex(kernel.Nr, k, p, j)];
            fixed (float* pb = plain)
                Multiply(kernel, options.VectorTranspose, options.SplitThinTiles, transA, false, m, n, k, alpha, a, lda, pb, n, null, beta, c, ldc);
            return;
        }
        Multiply(kernel, options.VectorTranspose, options.SplitThinTiles, transA, false, m, n, k, alpha, a, lda, null, 0, packedB, beta, c, ldc);
    }

    /// <summary>
    /// Where element (p, j) of a k×n matrix lives in the panel layout for micro-kernels <paramref name="nr"/> wide:
    /// panels of <paramref name="nr"/> columns, each k rows of <paramref name="nr"/> contiguous values
    /// (the last panel zero padded).
    /// </summary>
    public static long PackedIndex(int nr, int k, int p, int j) => ((long)(j / nr) * k + p) * nr + j % nr;

    /// <summary>Floats of a k×n matrix in the panel layout for width <paramref name="nr"/>.</summary>
    public static long PackedSize(int nr, int k, int n) => (long)(n + nr - 1) / nr * nr * k;

    private static void Multiply(IGemmKernel kernel, bool vectorTranspose, bool splitThinTiles, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float* prepackedB, float beta, float* c, int ldc)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || (long)m * n * k < 4096)
        {
            nint pa0 = (nint)a, pb0 = (nint)b, pc0 = (nint)c;
            Workers.For(m, Math.Max(1, 65536 / Math.Max(1, n * Math.Max(1, k))), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (i0, i1) =>
                Reference(transA, transB, i0, i1, n, k, alpha, (float*)pa0, lda, (float*)pb0, ldb, beta, (float*)pc0, ldc));
            return;
        }
        int mr = kernel.Mr, nr = kernel.Nr;
        int mPanels = (m + mr - 1) / mr;
        int kcMax = Math.Min(KC, k);
        int ncMax = Math.Min(NC, n);
        int nPanelsMax = (ncMax + nr - 1) / nr;
        float[] packA = BufferPool.Rent(mPanels * mr * kcMax, zero: false);
        float[] packB = BufferPool.Rent(prepackedB == null ? nPanelsMax * nr * kcMax : 1, zero: false);
        try
        {
            fixed (float* pA = packA, pB = packB)
            {
                nint packedA = (nint)pA, packedB = (nint)pB, pa = (nint)a, pb = (nint)b, pc = (nint)c, prepacked = (nint)prepackedB;
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    int nPanels = (nc + nr - 1) / nr;
                    for (int pcIndex = 0; pcIndex < k; pcIndex += KC)
                    {
                        int kc = Math.Min(KC, k - pcIndex);
                        int p0 = pcIndex, j0 = jc;
                        if (prepacked == 0) Workers.For(nPanels, Math.Max(1, 64 / Math.Max(1, kc / 64)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
                        {
                            for (int panel = s; panel < e; panel++)
                                PackB(transB, vectorTranspose, (float*)pb, ldb, p0, kc, j0 + panel * nr, Math.Min(nr, nc - panel * nr), nr,
                                    (float*)packedB + (long)panel * nr * kc);
                        });
                        Workers.For(mPanels, Math.Max(1, 64 / Math.Max(1, kc / 64)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
                        {
                            for (int panel = s; panel < e; panel++)
                                PackA(transA, vectorTranspose, (float*)pa, lda, p0, kc, panel * mr, Math.Min(mr, m - panel * mr), mr,
                                    (float*)packedA + (long)panel * mr * kc);
                        });
                        bool first = pcIndex == 0;
                        float betaHere = first ? beta : 1f;
                        // Tiles of MC × NT, halved (down to one register tile) while there are fewer tiles than threads: a
                        // thin product (the stem's weight gradient, 64 × 147) would otherwise be one tile on one thread.
                        // Each element's sum runs in the same order whatever the tiling.
                        int mcTile = MC, ntTile = NT;
                        int wanted = splitThinTiles ? Workers.Threads : 1;
                        while (((m + mcTile - 1) / mcTile) * ((nc + ntTile - 1) / ntTile) < wanted && (mcTile > mr || ntTile > nr))
                        {
                            if (ntTile > nr && (ntTile >= mcTile || mcTile <= mr)) ntTile = Math.Max(nr, ntTile / 2 / nr * nr);
                            else mcTile = Math.Max(mr, mcTile / 2 / mr * mr);
                        }
                        int tilesM = (m + mcTile - 1) / mcTile, tilesN = (nc + ntTile - 1) / ntTile;
                        Workers.For(tilesM * tilesN, 1, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
                        {
                            float* scratch = stackalloc float[mr * nr];
                            for (int tile = s; tile < e; tile++)
                            {
                                int ti = tile / tilesN, tj = tile % tilesN;
                                int iEnd = Math.Min(m, (ti + 1) * mcTile), jEnd = Math.Min(nc, (tj + 1) * ntTile);
                                for (int j = tj * ntTile; j < jEnd; j += nr)
                                {
                                    int cols = Math.Min(nr, jEnd - j);
                                    float* bPanel = prepacked != 0
                                        ? (float*)prepacked + ((long)((j0 + j) / nr) * k + p0) * nr
                                        : (float*)packedB + (long)(j / nr) * nr * kc;
                                    for (int i = ti * mcTile; i < iEnd; i += mr)
                                    {
                                        int rows = Math.Min(mr, iEnd - i);
                                        float* aPanel = (float*)packedA + (long)(i / mr) * mr * kc;
                                        float* cTile = (float*)pc + (long)i * ldc + j0 + j;
                                        if (rows == mr && cols == nr)
                                            kernel.Run(kc, aPanel, bPanel, cTile, ldc, alpha, betaHere);
                                        else
                                        {
                                            kernel.Run(kc, aPanel, bPanel, scratch, nr, alpha, 0f);
                                            for (int r = 0; r < rows; r++)
                                            {
                                                float* dst = cTile + (long)r * ldc;
                                                float* src = scratch + r * nr;
                                                if (betaHere == 0) for (int q = 0; q < cols; q++) dst[q] = src[q];
                                                else if (betaHere == 1) for (int q = 0; q < cols; q++) dst[q] += src[q];
                                                else for (int q = 0; q < cols; q++) dst[q] = src[q] + betaHere * dst[q];
                                            }
                                        }
                                    }
                                }
                            }
                        });
                    }
                }
            }
        }
        finally
        {
            BufferPool.Return(packA);
            BufferPool.Return(packB);
        }
    }

    /// <summary>Packs rows [i0, i0+rows) × depth [p0, p0+kc) of op(A) as kc groups of <paramref name="mr"/> values (zero padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transA, bool vectorTranspose, float* a, int lda, int p0, int kc, int i0, int rows, int mr, float* dst)
    {
        if (!transA)
        {
            Transpose(a + (long)i0 * lda + p0, lda, rows, kc, dst, mr, vectorTranspose);
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (long)(p0 + p) * lda + i0;
                float* d = dst + p * mr;
                for (int r = 0; r < rows; r++) d[r] = src[r];
            }
        }
        if (rows < mr)
            for (int p = 0; p < kc; p++)
                for (int r = rows; r < mr; r++) dst[p * mr + r] = 0f;
    }

    /// <summary>Packs depth [p0, p0+kc) × columns [j0, j0+cols) of op(B) as kc groups of <paramref name="nr"/> values (zero padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, bool vectorTranspose, float* b, int ldb, int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        if (!transB)
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)(p0 + p) * ldb + j0;
                float* d = dst + p * nr;
                if (cols == nr) RowKernels.Copy(src, d, nr);
                else
                {
                    for (int q = 0; q < cols; q++) d[q] = src[q];
                    for (int q = cols; q < nr; q++) d[q] = 0f;
                }
            }
        }
        else
        {
            Transpose(b + (long)j0 * ldb + p0, ldb, cols, kc, dst, nr, vectorTranspose);
            if (cols < nr)
                for (int p = 0; p < kc; p++)
                    for (int q = cols; q < nr; q++) dst[p * nr + q] = 0f;
        }
    }

    /// <summary>
    /// dst[p·width + q] = src[q·ld + p] for q &lt; <paramref name="count"/>, p &lt; <paramref name="depth"/>: the packing of
    /// a matrix stored across the panel (A by rows, Bᵀ by rows), in 8×8 register transposes where whole blocks fit when
    /// <paramref name="vector"/> (AVX required), element by element otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose(float* src, int ld, int count, int depth, float* dst, int width, bool vector)
    {
        int q0 = 0;
        if (vector && Avx.IsSupported)
        {
            int depth8 = depth & ~7;
            for (; q0 + 8 <= count; q0 += 8)
                for (int p = 0; p < depth8; p += 8)
                    Transpose8x8(src + (long)q0 * ld + p, ld, dst + (long)p * width + q0, width);
            if (depth8 < depth)
                for (int q = 0; q < q0; q++)
                {
                    float* s = src + (long)q * ld;
                    for (int p = depth8; p < depth; p++) dst[p * width + q] = s[p];
                }
        }
        for (int q = q0; q < count; q++)
        {
            float* s = src + (long)q * ld;
            for (int p = 0; p < depth; p++) dst[p * width + q] = s[p];
        }
    }

    /// <summary>dst[i·ldDst + j] = src[j·ldSrc + i] for an 8×8 block (unpack, shuffle, lane permute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int ldSrc, float* dst, int ldDst) =>
        Transpose8x8Rows(src, src + ldSrc, src + 2 * ldSrc, src + 3 * ldSrc, src + 4 * ldSrc, src + 5 * ldSrc, src + 6 * ldSrc, src + 7 * ldSrc, dst, ldDst);

    /// <summary>dst[i·ldDst + j] = row j[i] for eight rows of eight values anywhere in memory (AVX required).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8Rows(float* s0, float* s1, float* s2, float* s3, float* s4, float* s5, float* s6, float* s7, float* dst, int ldDst) =>
        Transpose8x8(Avx.LoadVector256(s0), Avx.LoadVector256(s1), Avx.LoadVector256(s2), Avx.LoadVector256(s3),
            Avx.LoadVector256(s4), Avx.LoadVector256(s5), Avx.LoadVector256(s6), Avx.LoadVector256(s7), dst, ldDst);

    /// <summary>dst[i·ldDst + j] = r<sub>j</sub>[i] for eight vectors already in registers (AVX required).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, int ldDst)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldDst, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldDst, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldDst, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldDst, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldDst, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldDst, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldDst, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>The plain specification, rows [i0, i1) of C: every faster kernel is tested against it.</summary>
    internal static void Reference(bool transA, bool transB, int i0, int i1, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int i = i0; i < i1; i++)
        {
            float* ci = c + (long)i * ldc;
            if (beta == 0) new Span<float>(ci, n).Clear();
            else if (beta != 1) for (int j = 0; j < n; j++) ci[j] *= beta;
            for (int p = 0; p < k; p++)
            {
                float av = alpha * (transA ? a[(long)p * lda + i] : a[(long)i * lda + p]);
                if (av == 0) continue;
                if (!transB)
                {
                    float* bp = b + (long)p * ldb;
                    for (int j = 0; j < n; j++) ci[j] += av * bp[j];
                }
                else
                {
                    for (int j = 0; j < n; j++) ci[j] += av * b[(long)j * ldb + p];
                }
            }
        }
    }
}
