using BenchmarkDotNet.Attributes;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Benchmarks;

/// <summary>
/// The stem's 3×3, stride-2 max pooling (ResNet-18 at 64 px, batch 100: [100, 64, 32, 32]), forward and backward,
/// with the AVX2 gathers, the per-lane vector loads and the scalar windows.
/// </summary>
[MemoryDiagnoser]
public class PoolingBenchmarks
{
    private Tensor _x = null!, _gy = null!;
    private KernelOptions _options = KernelOptions.Default;

    /// <summary>The max-pooling path: gather, lanes or scalar.</summary>
    [Params("gather", "lanes", "scalar")]
    public string Path { get; set; } = "";

    /// <summary>Random inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(3);
        _x = rng.Normal([100, 64, 32, 32]).RequireGrad();
        _gy = rng.Normal([100, 64, 16, 16]);
        _options = Path switch
        {
            "gather" => KernelOptions.Default,
            "lanes" => KernelOptions.Default with { GatherMaxPool = false },
            _ => KernelOptions.Default with { VectorMaxPool = false, GatherMaxPool = false },
        };
    }

    /// <summary>Max pooling forward.</summary>
    [Benchmark]
    public void MaxPoolForward()
    {
        using var scope = new TensorScope();
        Ops.MaxPool2d(_x, 3, 2, 1, _options);
    }

    /// <summary>Max pooling forward and backward (the gradient routed to the arg-max).</summary>
    [Benchmark]
    public void MaxPoolForwardBackward()
    {
        using var scope = new TensorScope();
        _x.Grad = null;
        Ops.MaxPool2d(_x, 3, 2, 1, _options).Backward(_gy);
    }
}
