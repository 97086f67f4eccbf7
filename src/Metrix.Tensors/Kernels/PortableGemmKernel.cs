using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

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
