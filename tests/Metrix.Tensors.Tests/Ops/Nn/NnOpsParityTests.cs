using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tensors.Tests;

/// <summary>
/// Network ops against PyTorch 1.13 (tools/fixtures/nn_ops.py): outputs and the gradients of Σ y·r.
/// Tolerance: relative 1e-4, absolute 1e-4 (float32 sums over up to a few hundred terms).
/// </summary>
public sealed class NnOpsParityTests
{
    private const double Rtol = 1e-4, Atol = 1e-4;

    public static TheoryData<string> ConvCases() =>
    [
        "conv_2x3x9x7_o4_k3_s1_p1", "conv_3x5x11x10_o6_k3_s2_p1", "conv_2x3x17x15_o8_k7_s2_p3",
        "conv_2x6x5x5_o7_k1_s1_p0", "conv_2x6x6x7_o5_k1_s2_p0", "conv_40x4x2x2_o3_k3_s1_p1",
    ];

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_matches_pytorch(string name)
    {
        var f = Fixtures.Load("nn_ops/" + name);
        int stride = int.Parse(f.Metadata["stride"]), padding = int.Parse(f.Metadata["padding"]);
        f.Tensors.TryGetValue("bias", out var bias);
        Check(f, t => Ops.Conv2d(t["x"], t["weight"], bias is null ? null : t["bias"], stride, padding),
            bias is null ? ["x", "weight"] : ["x", "weight", "bias"]);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("eval")]
    public void BatchNorm2d_matches_pytorch_including_running_statistics(string mode)
    {
        var f = Fixtures.Load("nn_ops/batchnorm_" + mode);
        var stats = Fixtures.Load($"nn_ops/batchnorm_{mode}_stats").Tensors;
        var rm = stats["running_mean"];
        var rv = stats["running_var"];
        Check(f, t => Ops.BatchNorm2d(t["x"], t["weight"], t["bias"], rm, rv, mode == "train"), ["x", "weight", "bias"]);
        TensorAssert.Close(stats["running_mean_after"], rm, Rtol, 1e-6);
        TensorAssert.Close(stats["running_var_after"], rv, Rtol, 1e-6);
    }

    [Fact]
    public void MaxPool2d_matches_pytorch() => Check(Fixtures.Load("nn_ops/maxpool_k3_s2_p1"), t => Ops.MaxPool2d(t["x"], 3, 2, 1), ["x"]);

    [Fact]
    public void AdaptiveAvgPool2d_matches_pytorch() => Check(Fixtures.Load("nn_ops/adaptive_avg_3x2"), t => Ops.AdaptiveAvgPool2d(t["x"], 3, 2), ["x"]);

    [Theory]
    [InlineData("adaptive_max_1x1", 1, 1)]
    [InlineData("adaptive_max_2x3", 2, 3)]
    public void AdaptiveMaxPool2d_matches_pytorch(string name, int oh, int ow) =>
        Check(Fixtures.Load("nn_ops/" + name), t => Ops.AdaptiveMaxPool2d(t["x"], oh, ow), ["x"]);

    [Fact]
    public void Linear_matches_pytorch() =>
        Check(Fixtures.Load("nn_ops/linear"), t => Ops.Linear(t["x"], t["weight"], t["bias"]), ["x", "weight", "bias"]);

    [Fact]
    public void Relu_matches_pytorch() => Check(Fixtures.Load("nn_ops/relu"), t => Ops.Relu(t["x"]), ["x"]);

    [Fact]
    public void L2Normalize_matches_pytorch() => Check(Fixtures.Load("nn_ops/l2_normalize"), t => Ops.L2Normalize(t["x"]), ["x"]);

    private static void Check(TensorFile f, Func<IReadOnlyDictionary<string, Tensor>, Tensor> op, string[] inputs)
    {
        foreach (var name in inputs) f.Tensors[name].RequireGrad();
        var y = op(f.Tensors);
        TensorAssert.Close(f.Tensors["y"], y, Rtol, Atol, "output");
        Ops.Sum(Ops.Mul(y, f.Tensors["r"])).Backward();
        foreach (var name in inputs)
            TensorAssert.Close(f.Tensors["grad_" + name], f.Tensors[name].Grad!, Rtol, Atol, "gradient of " + name);
    }
}
