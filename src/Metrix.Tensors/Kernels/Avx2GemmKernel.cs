using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>6×16 tile on 256-bit vectors (AVX2 + FMA): 12 accumulators.</summary>
public sealed unsafe class Avx2GemmKernel : IGemmKernel
{
    /// <inheritdoc/>
    public int Mr => 6;

    /// <inheritdoc/>
    public int Nr => 16;

    /// <inheritdoc/>
    public bool IsSupported => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }
        Store(c, alpha, beta, c00, c01);
        Store(c + ldc, alpha, beta, c10, c11);
        Store(c + 2 * ldc, alpha, beta, c20, c21);
        Store(c + 3 * ldc, alpha, beta, c30, c31);
        Store(c + 4 * ldc, alpha, beta, c40, c41);
        Store(c + 5 * ldc, alpha, beta, c50, c51);
    }

    private static void Store(float* row, float alpha, float beta, Vector256<float> v0, Vector256<float> v1)
    {
        var va = Vector256.Create(alpha);
        v0 *= va;
        v1 *= va;
        if (beta != 0)
        {
            var vb = Vector256.Create(beta);
            v0 = Vector256.FusedMultiplyAdd(vb, Vector256.Load(row), v0);
            v1 = Vector256.FusedMultiplyAdd(vb, Vector256.Load(row + 8), v1);
        }
        v0.Store(row);
        v1.Store(row + 8);
    }
}
