using System.Runtime.CompilerServices;

namespace Metrix.Tensors.Kernels;

/// <summary>
/// Single-precision general matrix multiply on row-major matrices:
/// C[m×n] = α·op(A)[m×k]·op(B)[k×n] + β·C, where op(X) is X or Xᵀ.
/// </summary>
/// <remarks>
/// <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/> are row strides in elements of
/// the matrices as stored (A is k×m when transposed). With β = 0, C is written without being read, so it
/// may hold garbage. Large products are cache-blocked (panels of <see cref="KC"/> depth, <see cref="NC"/>
/// columns), packed, and computed by the register-blocked micro-kernel of the best instruction set
/// (<see cref="Kernel"/>); the tiles of C run in parallel. Every element of C is accumulated in the same
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

    /// <summary>The micro-kernel used by <see cref="Multiply"/>: the widest this processor runs natively.</summary>
    public static IGemmKernel Kernel { get; set; } = GemmKernels.Best;

    /// <summary>C = α·op(A)·op(B) + β·C.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        Multiply(Kernel, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>C = α·op(A)·op(B) + β·C with a given micro-kernel (tests run every kernel).</summary>
    public static void Multiply(IGemmKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || (long)m * n * k < 4096)
        {
            nint pa0 = (nint)a, pb0 = (nint)b, pc0 = (nint)c;
            Workers.For(m, Math.Max(1, 65536 / Math.Max(1, n * Math.Max(1, k))), (i0, i1) =>
                Reference(transA, transB, i0, i1, n, k, alpha, (float*)pa0, lda, (float*)pb0, ldb, beta, (float*)pc0, ldc));
            return;
        }
        int mr = kernel.Mr, nr = kernel.Nr;
        int mPanels = (m + mr - 1) / mr;
        int kcMax = Math.Min(KC, k);
        int ncMax = Math.Min(NC, n);
        int nPanelsMax = (ncMax + nr - 1) / nr;
        float[] packA = BufferPool.Rent(mPanels * mr * kcMax, zero: false);
        float[] packB = BufferPool.Rent(nPanelsMax * nr * kcMax, zero: false);
        try
        {
            fixed (float* pA = packA, pB = packB)
            {
                nint packedA = (nint)pA, packedB = (nint)pB, pa = (nint)a, pb = (nint)b, pc = (nint)c;
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    int nPanels = (nc + nr - 1) / nr;
                    for (int pcIndex = 0; pcIndex < k; pcIndex += KC)
                    {
                        int kc = Math.Min(KC, k - pcIndex);
                        int p0 = pcIndex, j0 = jc;
                        Workers.For(nPanels, Math.Max(1, 64 / Math.Max(1, kc / 64)), (s, e) =>
                        {
                            for (int panel = s; panel < e; panel++)
                                PackB(transB, (float*)pb, ldb, p0, kc, j0 + panel * nr, Math.Min(nr, nc - panel * nr), nr,
                                    (float*)packedB + (long)panel * nr * kc);
                        });
                        Workers.For(mPanels, Math.Max(1, 64 / Math.Max(1, kc / 64)), (s, e) =>
                        {
                            for (int panel = s; panel < e; panel++)
                                PackA(transA, (float*)pa, lda, p0, kc, panel * mr, Math.Min(mr, m - panel * mr), mr,
                                    (float*)packedA + (long)panel * mr * kc);
                        });
                        bool first = pcIndex == 0;
                        float betaHere = first ? beta : 1f;
                        int tilesM = (m + MC - 1) / MC, tilesN = (nc + NT - 1) / NT;
                        Workers.For(tilesM * tilesN, 1, (s, e) =>
                        {
                            float* scratch = stackalloc float[mr * nr];
                            for (int tile = s; tile < e; tile++)
                            {
                                int ti = tile / tilesN, tj = tile % tilesN;
                                int iEnd = Math.Min(m, (ti + 1) * MC), jEnd = Math.Min(nc, (tj + 1) * NT);
                                for (int j = tj * NT; j < jEnd; j += nr)
                                {
                                    int cols = Math.Min(nr, jEnd - j);
                                    float* bPanel = (float*)packedB + (long)(j / nr) * nr * kc;
                                    for (int i = ti * MC; i < iEnd; i += mr)
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
    private static void PackA(bool transA, float* a, int lda, int p0, int kc, int i0, int rows, int mr, float* dst)
    {
        if (!transA)
        {
            for (int r = 0; r < rows; r++)
            {
                float* src = a + (long)(i0 + r) * lda + p0;
                for (int p = 0; p < kc; p++) dst[p * mr + r] = src[p];
            }
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
    private static void PackB(bool transB, float* b, int ldb, int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        if (!transB)
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)(p0 + p) * ldb + j0;
                float* d = dst + p * nr;
                if (cols == nr) Unsafe.CopyBlockUnaligned(d, src, (uint)(nr * sizeof(float)));
                else
                {
                    for (int q = 0; q < cols; q++) d[q] = src[q];
                    for (int q = cols; q < nr; q++) d[q] = 0f;
                }
            }
        }
        else
        {
            for (int q = 0; q < cols; q++)
            {
                float* src = b + (long)(j0 + q) * ldb + p0;
                for (int p = 0; p < kc; p++) dst[p * nr + q] = src[p];
            }
            if (cols < nr)
                for (int p = 0; p < kc; p++)
                    for (int q = cols; q < nr; q++) dst[p * nr + q] = 0f;
        }
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
