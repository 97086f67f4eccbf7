using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

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
