using System.Diagnostics;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix bench --gemm</c>: GFLOP/s of C = A·B for square sizes and for the products of ResNet-50's
/// convolutions at batch 16, 224×224 (M output channels, K = C·kh·kw, N = batch·Ho·Wo).
/// </summary>
internal static class GemmBench
{
    /// <summary>(name, M, N, K, op(A) transposed, op(B) transposed) of every timed product.</summary>
    public static readonly (string Name, int M, int N, int K, bool TransA, bool TransB)[] Shapes =
    [
        ("square512", 512, 512, 512, false, false),
        ("square1024", 1024, 1024, 1024, false, false),
        ("square2048", 2048, 2048, 2048, false, false),
        ("r50.conv1.7x7", 64, 16 * 112 * 112, 147, false, false),
        ("r50.layer1.1x1.64-64", 64, 16 * 56 * 56, 64, false, false),
        ("r50.layer1.3x3.64", 64, 16 * 56 * 56, 576, false, false),
        ("r50.layer1.1x1.64-256", 256, 16 * 56 * 56, 64, false, false),
        ("r50.layer2.3x3.128", 128, 16 * 28 * 28, 1152, false, false),
        ("r50.layer2.1x1.512-128", 128, 16 * 28 * 28, 512, false, false),
        ("r50.layer3.3x3.256", 256, 16 * 14 * 14, 2304, false, false),
        ("r50.layer3.1x1.1024-256", 256, 16 * 14 * 14, 1024, false, false),
        ("r50.layer4.3x3.512", 512, 16 * 7 * 7, 4608, false, false),
        ("r50.layer4.1x1.2048-512", 512, 16 * 7 * 7, 2048, false, false),
        // ResNet-18 at batch 100, 64×64, as Conv2d blocks them: forward W·cols, backward-data Wᵀ·gY, backward-weight gY·colsᵀ.
        ("r18.layer1.3x3.fwd", 64, 2048, 576, false, false),
        ("r18.layer1.3x3.bwd_data", 576, 2048, 64, true, false),
        ("r18.layer1.3x3.bwd_weight", 64, 576, 2048, false, true),
        ("r18.layer4.3x3.fwd", 512, 400, 4608, false, false),
        ("r18.layer4.3x3.bwd_data", 4608, 400, 512, true, false),
        ("r18.layer4.3x3.bwd_weight", 512, 4608, 400, false, true),
    ];

    /// <summary>Times every shape: median of <paramref name="repeats"/> runs after <paramref name="warmup"/>.</summary>
    public static unsafe Dictionary<string, object> Run(int repeats, int warmup)
    {
        var rows = new List<Dictionary<string, object>>();
        var rng = new Rng(1);
        foreach (var (name, m, n, k, transA, transB) in Shapes)
        {
            var a = new float[(long)m * k];
            var b = new float[(long)k * n];
            var c = new float[(long)m * n];
            rng.FillUniform(a, -1, 1);
            rng.FillUniform(b, -1, 1);
            var times = new List<double>();
            fixed (float* pa = a, pb = b, pc = c)
            {
                for (int r = 0; r < warmup + repeats; r++)
                {
                    var watch = Stopwatch.StartNew();
                    Gemm.Multiply(transA, transB, m, n, k, 1f, pa, transA ? m : k, pb, transB ? k : n, 0f, pc, n);
                    if (r >= warmup) times.Add(watch.Elapsed.TotalSeconds);
                }
            }
            times.Sort();
            double median = times[times.Count / 2];
            rows.Add(new Dictionary<string, object>
            {
                ["shape"] = name,
                ["m"] = m,
                ["n"] = n,
                ["k"] = k,
                ["op"] = (transA ? "T" : "N") + (transB ? "T" : "N"),
                ["ms"] = Math.Round(median * 1000, 2),
                ["gflops"] = Math.Round(2.0 * m * n * k / median / 1e9, 1),
            });
        }
        return new Dictionary<string, object>
        {
            ["benchmark"] = "gemm",
            ["engine"] = "metrix",
            ["gemm_kernel"] = Gemm.Kernel.GetType().Name,
            ["results"] = rows,
        };
    }
}
