using BenchmarkDotNet.Attributes;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Benchmarks;

/// <summary>
/// Each convolution algorithm on the ResNet shapes it supports, forward and backward (data and weight gradient):
/// ResNet-18 at 64 px, batch 100, and ResNet-50 at 224 px, batch 16 — the benchmark step's shapes. The planner's
/// choice for each shape (what training runs) is marked with a "*" after the case name.
/// </summary>
[MemoryDiagnoser]
public unsafe class ConvBenchmarks
{
    private Tensor _x = null!, _w = null!, _y = null!, _gx = null!, _gw = null!;
    private IConvAlgorithm _algorithm = null!;
    private ConvShape _shape;

    /// <summary>
    /// Representative shapes, by name: ResNet-18's stem (7×7, stride 2), a 3×3 of layer 1, the strided 3×3 entering
    /// layer 2 and a 3×3 of layer 4 (2×2 maps); ResNet-50's 1×1 reduction and 3×3 in layer 1 (56×56) and 3×3 in layer 4 (7×7).
    /// </summary>
    public static IReadOnlyDictionary<string, ConvShape> Shapes { get; } = new Dictionary<string, ConvShape>
    {
        ["r18-stem"] = new(100, 3, 64, 64, 64, 7, 7, 2, 3),
        ["r18-l1"] = new(100, 64, 16, 16, 64, 3, 3, 1, 1),
        ["r18-l2s2"] = new(100, 64, 16, 16, 128, 3, 3, 2, 1),
        ["r18-l4"] = new(100, 512, 2, 2, 512, 3, 3, 1, 1),
        ["r50-1x1"] = new(16, 256, 56, 56, 64, 1, 1, 1, 0),
        ["r50-l1"] = new(16, 64, 56, 56, 64, 3, 3, 1, 1),
        ["r50-l4"] = new(16, 512, 7, 7, 512, 3, 3, 1, 1),
    };

    /// <summary>Every (shape, algorithm) pair the algorithm supports, as "shape/algorithm", "*" after the planner's.</summary>
    public static IEnumerable<string> Cases() =>
        from s in Shapes
        from a in ConvAlgorithms.All
        where a.Supports(s.Value)
        select $"{s.Key}/{a.Name}" + (ConvAlgorithms.Plan(s.Value) == a ? "*" : "");

    /// <summary>The shape and algorithm under test.</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    /// <summary>Random input, filters and output gradient.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.TrimEnd('*').Split('/');
        _shape = Shapes[parts[0]];
        _algorithm = ConvAlgorithms.All.Single(a => a.Name == parts[1]);
        var s = _shape;
        var rng = new Rng(2);
        _x = rng.Normal([s.N, s.C, s.H, s.W]);
        _w = rng.Normal([s.O, s.C, s.KH, s.KW]);
        _y = rng.Normal([s.N, s.O, s.OutH, s.OutW]);
        _gx = Tensor.Zeros(s.N, s.C, s.H, s.W);
        _gw = Tensor.Zeros(s.O, s.C, s.KH, s.KW);
    }

    /// <summary>y = conv(x, w).</summary>
    [Benchmark]
    public void Forward() => _algorithm.Forward(_shape, _x.Pointer, _w.Pointer, null, _y.Pointer, KernelOptions.Default);

    /// <summary>∂x and ∂w for the output gradient (held in the output buffer).</summary>
    [Benchmark]
    public void Backward() =>
        _algorithm.Backward(_shape, _x.Pointer, _w.Pointer, _y.Pointer, _gx.Pointer, false, _gw.Pointer, false, KernelOptions.Default);
}
