using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel: an <see cref="Mr"/>×<see cref="Nr"/> tile of C from packed panels.
/// </summary>
public unsafe interface IGemmKernel
{
    /// <summary>Rows of the register tile.</summary>
    int Mr { get; }

    /// <summary>Columns of the register tile.</summary>
    int Nr { get; }

    /// <summary>Whether this processor runs the kernel natively.</summary>
    bool IsSupported { get; }

    /// <summary>
    /// C[Mr×Nr] = α·Σₚ a[p·Mr + i]·b[p·Nr + j] + β·C over p ∈ [0, kc); C has row stride <paramref name="ldc"/>;
    /// with β = 0, C is not read.
    /// </summary>
    void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta);
}

/// <summary>The available micro-kernels, widest first.</summary>
public static class GemmKernels
{
    /// <summary>Every kernel, supported or not on this processor.</summary>
    public static IReadOnlyList<IGemmKernel> All { get; } = [new Avx512GemmKernel(), new Avx2GemmKernel(), new PortableGemmKernel()];

    /// <summary>The kernels this processor runs natively.</summary>
    public static IEnumerable<IGemmKernel> Supported => All.Where(k => k.IsSupported);

    /// <summary>The widest supported kernel.</summary>
    public static IGemmKernel Best => Supported.First();
}

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

/// <summary>4×4 scalar tile: runs anywhere.</summary>
public sealed unsafe class PortableGemmKernel : IGemmKernel
{
    /// <inheritdoc/>
    public int Mr => 4;

    /// <inheritdoc/>
    public int Nr => 4;

    /// <inheritdoc/>
    public bool IsSupported => true;

    /// <inheritdoc/>
    public void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        float* acc = stackalloc float[16];
        for (int i = 0; i < 16; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                float av = a[i];
                for (int j = 0; j < 4; j++) acc[i * 4 + j] += av * b[j];
            }
            a += 4;
            b += 4;
        }
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                float* d = c + (long)i * ldc + j;
                *d = beta == 0 ? alpha * acc[i * 4 + j] : alpha * acc[i * 4 + j] + beta * *d;
            }
    }
}
