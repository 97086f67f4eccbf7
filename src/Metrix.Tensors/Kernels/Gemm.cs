namespace Metrix.Tensors.Kernels;

/// <summary>
/// Single-precision general matrix multiply on row-major matrices:
/// C[m×n] = α·op(A)[m×k]·op(B)[k×n] + β·C, where op(X) is X or Xᵀ.
/// </summary>
/// <remarks>
/// <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/> are row strides in elements of
/// the matrices as stored (A is k×m when transposed). With β = 0, C is written without being read, so it
/// may hold garbage. Results are deterministic for a given <see cref="Workers.Threads"/>.
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>C = α·op(A)·op(B) + β·C.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m <= 0 || n <= 0) return;
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        Workers.For(m, Math.Max(1, 16384 / Math.Max(1, n * Math.Max(1, k) / 64)), (i0, i1) =>
            Reference(transA, transB, i0, i1, n, k, alpha, (float*)pa, lda, (float*)pb, ldb, beta, (float*)pc, ldc));
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
