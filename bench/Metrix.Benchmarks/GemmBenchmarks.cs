using BenchmarkDotNet.Attributes;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Benchmarks;

/// <summary>
/// C = A·B by each GEMM micro-kernel this processor runs (and the scalar packing), on a square product and on the
/// products of ResNet convolutions: ResNet-50's 1×1 reduction at 56×56 (64 × 3136 × 256) and ResNet-18's stem
/// weight gradient (64 × 147 × 2048, thin).
/// </summary>
[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    private Tensor _a = null!, _b = null!, _c = null!;
    private KernelOptions _options = KernelOptions.Default;

    /// <summary>The micro-kernels this processor runs (type names without "GemmKernel"), plus the widest with scalar packing.</summary>
    public static IEnumerable<string> Kernels() =>
        GemmKernels.Supported.Select(Short).Append(Short(GemmKernels.Best) + "+scalar-pack");

    private static string Short(IGemmKernel kernel) => kernel.GetType().Name.Replace("GemmKernel", "", StringComparison.Ordinal);

    /// <summary>The kernel under test.</summary>
    [ParamsSource(nameof(Kernels))]
    public string Kernel { get; set; } = "";

    /// <summary>The product, as "m×n×k".</summary>
    [Params("512x512x512", "64x3136x256", "64x147x2048")]
    public string Shape { get; set; } = "";

    private int M => int.Parse(Shape.Split('x')[0]);
    private int N => int.Parse(Shape.Split('x')[1]);
    private int K => int.Parse(Shape.Split('x')[2]);

    /// <summary>Random A [m×k], B [k×n] and the kernel options.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _a = rng.Normal([M, K]);
        _b = rng.Normal([K, N]);
        _c = Tensor.Zeros(M, N);
        string name = Kernel.Split('+')[0];
        _options = KernelOptions.Default with
        {
            Gemm = GemmKernels.All.Single(k => Short(k) == name),
            VectorTranspose = !Kernel.EndsWith("+scalar-pack", StringComparison.Ordinal) && KernelOptions.Default.VectorTranspose,
        };
    }

    /// <summary>One product.</summary>
    [Benchmark]
    public void Multiply() =>
        Gemm.Multiply(_options, false, false, M, N, K, 1f, _a.Pointer, K, _b.Pointer, N, 0f, _c.Pointer, N);
}
