using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tensors.Tests;

/// <summary>Finite-difference checks (float64 central differences of float32 ops, ε = 1e-2, tolerance 1e-2 relative).</summary>
public sealed class NnOpsGradCheckTests
{
    private static Tensor R(ulong seed, params int[] shape) => new Rng(seed).Normal(shape).RequireGrad();

    [Theory]
    [InlineData(1, 1, 3)]
    [InlineData(2, 0, 1)]
    [InlineData(2, 1, 3)]
    public void Conv2d(int stride, int padding, int k) =>
        GradCheck.Check(t => Ops.Conv2d(t[0], t[1], t[2], stride, padding), [R(1, 2, 3, 5, 6), R(2, 4, 3, k, k), R(3, 4)], eps: 1e-2);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2d(bool training) =>
        GradCheck.Check(t => Ops.BatchNorm2d(t[0], t[1], t[2], Tensor.Zeros(3), Tensor.Ones(3), training),
            [R(4, 3, 3, 2, 2), R(5, 3), R(6, 3)], eps: 1e-2);

    [Fact]
    public void Pools()
    {
        GradCheck.Check(t => Ops.MaxPool2d(t[0], 3, 2, 1), [R(7, 2, 2, 5, 6)], eps: 1e-3);
        GradCheck.Check(t => Ops.AdaptiveAvgPool2d(t[0], 2, 3), [R(8, 2, 2, 5, 7)], eps: 1e-2);
        GradCheck.Check(t => Ops.AdaptiveMaxPool2d(t[0], 1, 1), [R(9, 2, 2, 3, 3)], eps: 1e-3);
    }

    [Fact]
    public void Linear_relu_normalize_reshape()
    {
        GradCheck.Check(t => Ops.Linear(t[0], t[1], t[2]), [R(10, 4, 5), R(11, 3, 5), R(12, 3)], eps: 1e-2);
        GradCheck.Check(t => Ops.AddRelu(t[0], t[1]), [R(13, 3, 4), R(14, 3, 4)], eps: 1e-3);
        GradCheck.Check(t => Ops.L2Normalize(t[0]), [R(15, 3, 6)], eps: 1e-3);
        GradCheck.Check(t => Ops.Reshape(t[0], -1, 2), [R(16, 3, 4)], eps: 1e-2);
    }
}
