using Metrix.Testing;
using Xunit.Abstractions;

namespace Metrix.Tensors.Tests;

/// <summary>
/// Every operation against PyTorch (tools/fixtures/ops.py): value and input gradients within rtol 1e-4,
/// atol 1e-5, plus finite differences where the fixture's inputs stay off kinks.
/// </summary>
public sealed class OpsParityTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, Func<Tensor[], Tensor>> Cases = new()
    {
        ["add_broadcast"] = x => x[0] + x[1],
        ["sub_broadcast"] = x => x[0] - x[1],
        ["mul_broadcast"] = x => x[0] * x[1],
        ["div_broadcast"] = x => x[0] / x[1],
        ["div_scalar_left"] = x => 2f / x[0],
        ["neg"] = x => -x[0],
        ["exp"] = x => x[0].Exp(),
        ["sum"] = x => x[0].Sum(),
        ["relu"] = x => Ops.Relu(x[0]),
        ["relu_zero"] = x => Ops.Relu(x[0]),
        ["sum_dim0"] = x => Ops.Sum(x[0], 0),
        ["sum_dim1"] = x => Ops.Sum(x[0], 1),
        ["sum_dim2"] = x => Ops.Sum(x[0], 2),
        ["mean_dim0"] = x => Ops.Mean(x[0], 0, keepDim: true),
        ["mean_dim1"] = x => Ops.Mean(x[0], 1, keepDim: true),
        ["mean_dim2"] = x => Ops.Mean(x[0], -1, keepDim: true),
        ["l2_normalize_dim0"] = x => Ops.L2Normalize(x[0], 0),
        ["l2_normalize_dim1"] = x => Ops.L2Normalize(x[0], 1),
        ["l2_normalize_dim2"] = x => Ops.L2Normalize(x[0], 2),
        ["l2_normalize_zero"] = x => Ops.L2Normalize(x[0], 1),
        ["mean"] = x => Ops.Mean(x[0]),
        ["reshape"] = x => Ops.Reshape(x[0], 4, -1),
        ["flatten"] = x => Ops.Flatten(x[0], 1),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) =>
        output.WriteLine($"{name}: max relative error {OpCheck.Fixture("ops/" + name, Cases[name]):G3}");
}
