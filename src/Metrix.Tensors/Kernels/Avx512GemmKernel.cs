using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>8×32 tile on 512-bit vectors: 16 accumulators, two B loads and one broadcast per depth step.</summary>
public sealed unsafe class Avx512GemmKernel : IGemmKernel
{
    /// <inheritdoc/>
    public int Mr => 8;

    /// <inheritdoc/>
    public int Nr => 32;

    /// <inheritdoc/>
    public bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var av = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += 8;
            b += 32;
        }
        Store(c, alpha, beta, c00, c01);
        Store(c + ldc, alpha, beta, c10, c11);
        Store(c + 2 * ldc, alpha, beta, c20, c21);
        Store(c + 3 * ldc, alpha, beta, c30, c31);
        Store(c + 4 * ldc, alpha, beta, c40, c41);
        Store(c + 5 * ldc, alpha, beta, c50, c51);
        Store(c + 6 * ldc, alpha, beta, c60, c61);
        Store(c + 7 * ldc, alpha, beta, c70, c71);
    }

    private static void Store(float* row, float alpha, float beta, Vector512<float> v0, Vector512<float> v1)
    {
        var va = Vector512.Create(alpha);
        v0 *= va;
        v1 *= va;
        if (beta != 0)
        {
            var vb = Vector512.Create(beta);
            v0 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(row), v0);
            v1 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(row + 16), v1);
        }
        v0.Store(row);
        v1.Store(row + 16);
    }
}
