using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Metrix.Tensors.Kernels;

/// <summary>
/// Which implementation of each vectorised kernel a computation runs: the GEMM micro-kernel, the widest row-kernel
/// vectors, and the vector or scalar forms of the transposes, transforms and gathers. <see cref="Default"/> is the
/// fastest this processor runs; tests and benchmarks pass other choices to the call they make, so computations
/// running side by side never change each other's paths.
/// </summary>
public sealed record KernelOptions
{
    /// <summary>The fastest choice on this processor (what training runs).</summary>
    public static KernelOptions Default { get; } = new();

    /// <summary>The scalar reference of every kernel, with the portable GEMM micro-kernel.</summary>
    public static KernelOptions Scalar { get; } = new()
    {
        Gemm = new PortableGemmKernel(),
        RowWidth = VectorWidth.Scalar,
        VectorTranspose = false,
        VectorIm2ColTransposed = false,
        VectorWinogradTransforms = false,
        VectorMaxPool = false,
        GatherMaxPool = false,
    };

    /// <summary>The GEMM micro-kernel (default: the widest this processor runs natively).</summary>
    public IGemmKernel Gemm { get; init; } = GemmKernels.Best;

    /// <summary>The widest vectors of the row kernels (copies, adds, affines of the convolution and batch-norm passes).</summary>
    public VectorWidth RowWidth { get; init; } = VectorWidth.Widest;

    /// <summary>Whether GEMM packing transposes 8×8 blocks in AVX registers rather than element by element.</summary>
    public bool VectorTranspose { get; init; } = Avx.IsSupported;

    /// <summary>Whether thin products are cut into smaller tiles so that every thread gets work.</summary>
    public bool SplitThinTiles { get; init; } = true;

    /// <summary>Whether im2col's transposed columns (the weight gradient's B) are built with 8×8 register transposes and gathers.</summary>
    public bool VectorIm2ColTransposed { get; init; } = Avx.IsSupported;

    /// <summary>Whether the Winograd transforms gather 8 tiles at once with AVX2.</summary>
    public bool VectorWinogradTransforms { get; init; } = Avx2.IsSupported;

    /// <summary>
    /// Whether the Winograd weight gradient's transforms write the micro-kernel's panels directly (with an 8-row kernel
    /// and AVX2) rather than row-major matrices for the GEMM to pack.
    /// </summary>
    public bool PackedWinogradWeightGradient { get; init; } = true;

    /// <summary>Most floats of the Winograd weight gradient's transformed input and output gradient together, per chunk of images.</summary>
    public long WinogradWeightChunkFloats { get; init; } = 1L << 24;

    /// <summary>Whether max pooling runs 8 output columns at once.</summary>
    public bool VectorMaxPool { get; init; } = Vector256.IsHardwareAccelerated;

    /// <summary>Whether the 8-column max pooling loads each tap with one AVX2 masked gather rather than lane by lane.</summary>
    public bool GatherMaxPool { get; init; } = Avx2.IsSupported;
}
