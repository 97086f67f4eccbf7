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
