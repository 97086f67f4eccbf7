using Metrix.Tensors;
using Metrix.Tensors.Kernels;
using Metrix.Testing;

namespace Metrix.Tensors.Tests;

/// <summary>
/// Conv2d against direct loops in double precision, forward and backward: every convolution algorithm on every shape
/// it supports (im2col blocks, pointwise, strided, Winograd, tiny maps), with the vector and the scalar kernels; and the
/// frozen-BatchNorm affine. Algorithms and kernels are passed to each call, never switched process-wide.
/// </summary>
public sealed class ConvReferenceTests
{
    /// <summary>The kernel choices the convolution tests run: the default (fastest) and the scalar references.</summary>
    public static KernelOptions KernelsNamed(string name) => name switch
    {
        "default" => KernelOptions.Default,
        "scalar" => KernelOptions.Scalar,
        // Vector kernels but 256-bit rows and the scalar im2col transposes and Winograd transforms.
        "narrow" => KernelOptions.Default with { RowWidth = VectorWidth.Bits256, VectorIm2ColTransposed = false, VectorWinogradTransforms = false },
        // The Winograd weight gradient's row-major products, as with micro-kernels of other than 8 rows.
        "row-major-winograd" => KernelOptions.Default with { PackedWinogradWeightGradient = false },
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<int, int, int, int, int, int, int, int, string> Cases()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, int, string>();
        foreach (string wide in new[] { "default", "narrow" })
        {
            data.Add(3, 5, 9, 9, 7, 3, 1, 1, wide);
            data.Add(4, 3, 13, 13, 8, 7, 2, 3, wide);
            data.Add(2, 16, 33, 33, 8, 1, 1, 0, wide);
            data.Add(5, 8, 6, 6, 16, 1, 2, 0, wide);
            data.Add(7, 6, 2, 2, 5, 3, 1, 1, wide);
            data.Add(3, 4, 17, 15, 6, 3, 2, 1, wide);
            data.Add(2, 3, 40, 36, 9, 3, 1, 1, wide);
            data.Add(3, 11, 12, 13, 6, 3, 1, 1, wide);
            // Strided: odd sizes, with and without padding, 3×3, 1×1 and 7×7 taps, a tap count not a multiple of 8.
            data.Add(3, 5, 11, 9, 8, 3, 2, 1, wide);
            data.Add(2, 6, 7, 7, 9, 1, 2, 0, wide);
            data.Add(3, 4, 9, 10, 6, 3, 2, 0, wide);
            data.Add(2, 3, 19, 21, 5, 7, 2, 3, wide);
            data.Add(2, 3, 10, 11, 5, 3, 3, 1, wide);
            // One image per im2col block and more blocks than twice the threads: blocks run in parallel, the weight
            // gradient summed per chunk.
            data.Add(6, 3, 48, 48, 5, 7, 1, 3, wide);
            data.Add(5, 2, 100, 100, 4, 3, 2, 1, wide);
        }
        return data;
    }

    /// <summary>
    /// 3×3, stride 1, padding 1 shapes: Winograd's partial tiles and channel counts off the register tile, and maps of at
    /// most 2×2 (the dense path), each also through im2col.
    /// </summary>
    public static TheoryData<int, int, int, int, int, string> WinogradCases()
    {
        var data = new TheoryData<int, int, int, int, int, string>();
        foreach (string vector in new[] { "default", "narrow", "row-major-winograd" })
        {
            // Maps whose tiles overhang them by more than 15 % (9×9, 5×3, 6×5) go to im2col, the rest to Winograd.
            data.Add(3, 5, 9, 9, 7, vector);
            data.Add(2, 3, 7, 8, 9, vector);
            data.Add(4, 6, 1, 1, 5, vector);
            data.Add(3, 2, 1, 6, 3, vector);
            data.Add(5, 17, 2, 2, 13, vector);
            data.Add(2, 9, 5, 3, 33, vector);
            data.Add(9, 12, 4, 4, 20, vector);
            data.Add(1, 40, 6, 5, 10, vector);
            // Rows of 8 and more tiles (interleaved stores), with a clipped last row and column.
            data.Add(2, 4, 16, 16, 5, vector);
            data.Add(2, 3, 15, 17, 6, vector);
            data.Add(1, 2, 4, 34, 3, vector);
            // Filters past the block budget (16 · Cout · Cin > 2^17): the phased path.
            data.Add(2, 100, 4, 6, 90, vector);
            data.Add(1, 70, 7, 8, 130, vector);
            data.Add(3, 130, 2, 2, 70, vector);
            data.Add(2, 7, 2, 1, 4, vector);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WinogradCases))]
    public void Same_size_3x3_convolution_matches_direct_loops_by_every_algorithm(int n, int c, int h, int w, int o, string kernels) =>
        Conv2d_matches_direct_loops(n, c, h, w, o, 3, 1, 1, kernels);

    [Theory]
    [InlineData(4, 4, 3, 1, 1, "winograd")]
    [InlineData(3, 3, 3, 1, 1, "im2col")]
    [InlineData(2, 2, 3, 1, 1, "dense")]
    [InlineData(40, 40, 1, 1, 0, "pointwise")]
    [InlineData(8, 8, 1, 1, 0, "im2col")]
    [InlineData(9, 9, 3, 1, 1, "im2col")]
    [InlineData(9, 9, 3, 2, 1, "im2col")]
    [InlineData(7, 7, 3, 1, 1, "im2col")]
    [InlineData(56, 56, 3, 1, 1, "winograd")]
    public void The_planner_makes_the_choices_that_set_the_step_times(int h, int w, int k, int stride, int pad, string expected) =>
        Assert.Equal(expected, ConvAlgorithms.Plan(new ConvShape(2, 8, h, w, 8, k, k, stride, pad)).Name);

    [Fact]
    public void An_algorithm_that_does_not_support_the_shape_is_refused()
    {
        using var scope = new TensorScope();
        var x = Tensor.Zeros(1, 2, 5, 5);
        var weight = Tensor.Zeros(3, 2, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, weight, null, 2, 1, ConvAlgorithms.Winograd));
        Assert.Contains("winograd", e.Message);
    }

    [Theory]
    [InlineData(6, 7, 3, 1, 1)]    // Winograd
    [InlineData(2, 2, 3, 1, 1)]    // dense 2×2 map
    [InlineData(50, 50, 3, 1, 1)]  // Winograd, larger
    [InlineData(64, 64, 7, 2, 3)]  // im2col, blocks in parallel
    [InlineData(9, 9, 3, 2, 1)]    // im2col, one block
    public void Conv_gradients_accumulate_over_two_uses_of_the_same_input_and_filter(int h, int w, int k, int stride, int pad)
    {
        using var scope = new TensorScope();
        var rng = new Rng(21);
        var x = rng.Normal([6, 4, h, w]).RequireGrad();
        var weight = rng.Normal([5, 4, k, k]).RequireGrad();
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        var gy = rng.Normal([6, 5, oh, ow]);
        Ops.Sum(Ops.Mul(Ops.Add(Ops.Conv2d(x, weight, null, stride, pad), Ops.Conv2d(x, weight, null, stride, pad)), gy)).Backward();
        var gxTwice = x.Grad!.ToArray();
        var gwTwice = weight.Grad!.ToArray();
        x.Grad = null;
        weight.Grad = null;
        Ops.Conv2d(x, weight, null, stride, pad).Backward(gy);
        TensorAssert.Close(x.Grad!.ToArray().Select(v => 2 * v).ToArray(), gxTwice, rtol: 1e-5, atol: 1e-5, what: "∂x");
        TensorAssert.Close(weight.Grad!.ToArray().Select(v => 2 * v).ToArray(), gwTwice, rtol: 1e-5, atol: 1e-5, what: "∂w");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Winograd_weight_gradient_is_the_same_in_chunks_of_images(int threads)
    {
        using var threadScope = Workers.Use(threads);
        using var scope = new TensorScope();
        var rng = new Rng(22);
        var x = rng.Normal([6, 3, 5, 5]).RequireGrad();
        var weight = rng.Normal([4, 3, 3, 3]).RequireGrad();
        var gy = rng.Normal([6, 4, 5, 5]);
        Ops.Conv2d(x, weight, null, 1, 1, ConvAlgorithms.Winograd).Backward(gy);
        var whole = weight.Grad!.ToArray();
        weight.Grad = null;
        var chunked = KernelOptions.Default with { WinogradWeightChunkFloats = 16L * (3 + 4) * 9 * 2 }; // two images per chunk
        Ops.Conv2d(x, weight, null, 1, 1, ConvAlgorithms.Winograd, chunked).Backward(gy);
        TensorAssert.Close(whole, weight.Grad!.Span, rtol: 1e-5, atol: 1e-5, what: "∂w");
    }

    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var kernel in GemmKernels.Supported) data.Add(kernel.GetType().Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Conv2d_matches_direct_loops_with_every_gemm_kernel(string name)
    {
        var kernels = KernelOptions.Default with { Gemm = GemmKernels.All.Single(k => k.GetType().Name == name) };
        Check(3, 5, 9, 9, 7, 3, 1, 1, kernels);
        Check(4, 3, 13, 13, 8, 7, 2, 3, kernels);
        Check(7, 6, 2, 2, 5, 3, 1, 1, kernels);
        Check(2, 3, 40, 36, 9, 3, 1, 1, kernels);
        Check(2, 9, 5, 3, 33, 3, 1, 1, kernels);
    }

    /// <summary>The scalar reference of every kernel (portable GEMM, scalar rows, transposes and transforms) on each algorithm.</summary>
    [Fact]
    public void Conv2d_matches_direct_loops_with_the_scalar_kernels()
    {
        var kernels = KernelOptions.Scalar;
        Check(3, 5, 9, 9, 7, 3, 1, 1, kernels);
        Check(4, 3, 13, 13, 8, 7, 2, 3, kernels);
        Check(7, 6, 2, 2, 5, 3, 1, 1, kernels);
        Check(2, 3, 40, 36, 9, 3, 1, 1, kernels);
        Check(2, 16, 33, 33, 8, 1, 1, 0, kernels);
        Check(2, 3, 10, 11, 5, 3, 3, 1, kernels);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2d_matches_direct_loops(int n, int c, int h, int w, int o, int k, int stride, int pad, string kernels) =>
        Check(n, c, h, w, o, k, stride, pad, KernelsNamed(kernels));

    /// <summary>The planner's choice and every algorithm that supports the shape, each against the direct loops.</summary>
    private static void Check(int n, int c, int h, int w, int o, int k, int stride, int pad, KernelOptions kernels)
    {
        var shape = new ConvShape(n, c, h, w, o, k, k, stride, pad);
        using var scope = new TensorScope();
        var rng = new Rng((ulong)(n * 1000 + c * 100 + h));
        var x = rng.Normal([n, c, h, w]).RequireGrad();
        var weight = rng.Normal([o, c, k, k]).RequireGrad();
        var bias = rng.Normal([o]).RequireGrad();
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        var gy = rng.Normal([n, o, oh, ow]);
        var (ey, egx, egw, egb) = Direct(x.ToArray(), weight.ToArray(), bias.ToArray(), gy.ToArray(), n, c, h, w, o, k, stride, pad);
        foreach (var algorithm in ConvAlgorithms.All.Where(a => a.Supports(shape)))
        {
            x.Grad = weight.Grad = bias.Grad = null;
            var y = Ops.Conv2d(x, weight, bias, stride, pad, algorithm, kernels);
            y.Backward(gy);
            string what = $"{algorithm.Name} ";
            TensorAssert.Close(ey, y.Span, rtol: 1e-4, atol: 1e-4, what: what + "y");
            TensorAssert.Close(egx, x.Grad!.Span, rtol: 1e-4, atol: 1e-4, what: what + "∂x");
            TensorAssert.Close(egw, weight.Grad!.Span, rtol: 1e-4, atol: 1e-3, what: what + "∂w");
            TensorAssert.Close(egb, bias.Grad!.Span, rtol: 1e-4, atol: 1e-3, what: what + "∂b");
        }
    }

    [Fact]
    public void Frozen_batchnorm_is_the_running_affine_and_passes_the_scaled_gradient()
    {
        using var scope = new TensorScope();
        var rng = new Rng(4);
        int n = 3, c = 5, hw = 37;
        var x = rng.Normal([n, c, hw, 1]).RequireGrad();
        var gamma = rng.Normal([c]);
        var beta = rng.Normal([c]);
        var mean = rng.Normal([c]);
        var variance = rng.Uniform([c], 0.5, 2);
        var y = Ops.BatchNorm2d(x, gamma, beta, mean, variance, training: false);
        var gy = rng.Normal([n, c, hw, 1]);
        y.Backward(gy);
        var ey = new float[x.Size];
        var egx = new float[x.Size];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                double inv = 1 / Math.Sqrt(variance.Span[ch] + 1e-5);
                for (int t = 0; t < hw; t++)
                {
                    int at = (i * c + ch) * hw + t;
                    ey[at] = (float)((x.Span[at] - mean.Span[ch]) * inv * gamma.Span[ch] + beta.Span[ch]);
                    egx[at] = (float)(gy.Span[at] * inv * gamma.Span[ch]);
                }
            }
        TensorAssert.Close(ey, y.Span, rtol: 1e-5, atol: 1e-5, what: "y");
        TensorAssert.Close(egx, x.Grad!.Span, rtol: 1e-5, atol: 1e-5, what: "∂x");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fused_frozen_batchnorm_relu_equals_the_unfused_ops(bool withResidual)
    {
        {
            using var scope = new TensorScope();
            var rng = new Rng(8);
            int c = 6;
            var gamma = rng.Normal([c]);
            var beta = rng.Normal([c]);
            var mean = rng.Normal([c]);
            var variance = rng.Uniform([c], 0.5, 2);
            var gy = rng.Normal([3, c, 5, 7]);
            (float[] Y, float[] Gx, float[]? Gr) Run(bool fused)
            {
                var x = new Rng(9).Normal([3, c, 5, 7]).RequireGrad();
                var r = withResidual ? new Rng(10).Normal([3, c, 5, 7]).RequireGrad() : null;
                var y = fused
                    ? Ops.BatchNorm2dRelu(x, gamma, beta, mean, variance, training: false, residual: r)
                    : r is null ? Ops.Relu(Ops.BatchNorm2d(x, gamma, beta, mean, variance, training: false))
                                : Ops.AddRelu(Ops.BatchNorm2d(x, gamma, beta, mean, variance, training: false), r);
                y.Backward(gy);
                return (y.ToArray(), x.Grad!.ToArray(), r?.Grad!.ToArray());
            }
            var (yf, gxf, grf) = Run(fused: true);
            var (yu, gxu, gru) = Run(fused: false);
            Assert.Equal(yu, yf);
            Assert.Equal(gxu, gxf);
            Assert.Equal(gru, grf);
        }
    }

    private static (float[] Y, float[] Gx, float[] Gw, float[] Gb) Direct(float[] x, float[] wt, float[] b, float[] gy,
        int n, int c, int h, int w, int o, int k, int s, int pad)
    {
        int oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
        var y = new double[n * o * oh * ow];
        var gx = new double[x.Length];
        var gw = new double[wt.Length];
        var gb = new double[o];
        for (int img = 0; img < n; img++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int yi = ((img * o + oc) * oh + i) * ow + j;
                        double acc = b[oc], g = gy[yi];
                        gb[oc] += g;
                        for (int ic = 0; ic < c; ic++)
                            for (int p = 0; p < k; p++)
                                for (int q = 0; q < k; q++)
                                {
                                    int ih = i * s - pad + p, iw = j * s - pad + q;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                    int xi = ((img * c + ic) * h + ih) * w + iw, wi = ((oc * c + ic) * k + p) * k + q;
                                    acc += (double)wt[wi] * x[xi];
                                    gx[xi] += g * wt[wi];
                                    gw[wi] += g * x[xi];
                                }
                        y[yi] = acc;
                    }
        static float[] F(double[] v) => v.Select(d => (float)d).ToArray();
        return (F(y), F(gx), F(gw), F(gb));
    }
}
