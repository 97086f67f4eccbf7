using BenchmarkDotNet.Attributes;
using Metrix.Tensors;

namespace Metrix.Benchmarks;

/// <summary>The embedding head's pooling: adaptive average and max pooling of ResNet-18's last map ([100, 512, 2, 2] at 64 px) to 1×1.</summary>
[MemoryDiagnoser]
public class AdaptivePoolingBenchmarks
{
    private Tensor _last = null!;

    /// <summary>A random last map.</summary>
    [GlobalSetup]
    public void Setup() => _last = new Rng(4).Normal([100, 512, 2, 2]);

    /// <summary>Adaptive average pooling forward.</summary>
    [Benchmark]
    public void AveragePool()
    {
        using var scope = new TensorScope();
        Ops.AdaptiveAvgPool2d(_last, 1, 1);
    }

    /// <summary>Adaptive max pooling forward.</summary>
    [Benchmark]
    public void MaxPool()
    {
        using var scope = new TensorScope();
        Ops.AdaptiveMaxPool2d(_last, 1, 1);
    }
}
