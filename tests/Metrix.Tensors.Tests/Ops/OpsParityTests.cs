using Metrix.Testing;

namespace Metrix.Tensors.Tests;

/// <summary>
/// Every operation against PyTorch (tools/fixtures/ops.py): value and input gradients within rtol 1e-4,
/// atol 1e-5, plus finite differences where the fixture's inputs stay off kinks.
/// </summary>
public sealed class OpsParityTests
{
    private static readonly Dictionary<string, Func<Tensor[], Tensor>> Cases = new()
    {
        ["log"] = x => Ops.Log(x[0]),
        ["sqrt"] = x => Ops.Sqrt(x[0]),
        ["sqrt_zero"] = x => Ops.Sqrt(x[0]),
        ["abs"] = x => Ops.Abs(x[0]),
        ["abs_zero"] = x => Ops.Abs(x[0]),
        ["relu"] = x => Ops.Relu(x[0]),
        ["relu_zero"] = x => Ops.Relu(x[0]),
        ["clamp"] = x => Ops.Clamp(x[0], -0.5f, 0.7f),
        ["clamp_bounds"] = x => Ops.Clamp(x[0], -0.5f, 0.5f),
        ["clamp_min"] = x => Ops.Clamp(x[0], min: 0.1f),
        ["clamp_max"] = x => Ops.Clamp(x[0], max: -0.2f),
        ["softplus"] = x => Ops.Softplus(x[0]),
        ["softplus_large"] = x => Ops.Softplus(x[0]),
        ["sigmoid"] = x => Ops.Sigmoid(x[0]),
        ["pow_2"] = x => Ops.Pow(x[0], 2f),
        ["pow_3"] = x => Ops.Pow(x[0], 3f),
        ["pow_half"] = x => Ops.Pow(x[0], 0.5f),
        ["pow_neg"] = x => Ops.Pow(x[0], -1.5f),
        ["pow_zero_exp"] = x => Ops.Pow(x[0], 0f),
        ["pow_tensor"] = x => Ops.Pow(x[0], x[1]),
        ["maximum"] = x => Ops.Maximum(x[0], x[1]),
        ["minimum"] = x => Ops.Minimum(x[0], x[1]),
        ["maximum_ties"] = x => Ops.Maximum(x[0], x[1]),
        ["minimum_ties"] = x => Ops.Minimum(x[0], x[1]),
        ["where"] = x => Ops.Where(x[0], x[1], x[2]),
        ["masked_fill"] = x => Ops.MaskedFill(x[0], x[1], -2.5f),
        ["sum_dim0"] = x => Ops.Sum(x[0], 0),
        ["sum_dim1"] = x => Ops.Sum(x[0], 1),
        ["sum_dim2"] = x => Ops.Sum(x[0], 2),
        ["mean_dim0"] = x => Ops.Mean(x[0], 0, keepDim: true),
        ["mean_dim1"] = x => Ops.Mean(x[0], 1, keepDim: true),
        ["mean_dim2"] = x => Ops.Mean(x[0], -1, keepDim: true),
        ["max_dim0"] = x => Ops.Max(x[0], 0).Values,
        ["max_dim1"] = x => Ops.Max(x[0], 1).Values,
        ["max_dim2"] = x => Ops.Max(x[0], 2).Values,
        ["min_dim0"] = x => Ops.Min(x[0], 0, keepDim: true).Values,
        ["min_dim1"] = x => Ops.Min(x[0], 1, keepDim: true).Values,
        ["min_dim2"] = x => Ops.Min(x[0], 2, keepDim: true).Values,
        ["logsumexp_dim0"] = x => Ops.LogSumExp(x[0], 0),
        ["logsumexp_dim1"] = x => Ops.LogSumExp(x[0], 1),
        ["logsumexp_dim2"] = x => Ops.LogSumExp(x[0], 2),
        ["norm_dim0"] = x => Ops.Norm(x[0], 0),
        ["norm_dim1"] = x => Ops.Norm(x[0], 1),
        ["norm_dim2"] = x => Ops.Norm(x[0], 2),
        ["softmax_dim0"] = x => Ops.Softmax(x[0], 0),
        ["softmax_dim1"] = x => Ops.Softmax(x[0], 1),
        ["softmax_dim2"] = x => Ops.Softmax(x[0], 2),
        ["log_softmax_dim0"] = x => Ops.LogSoftmax(x[0], 0),
        ["log_softmax_dim1"] = x => Ops.LogSoftmax(x[0], 1),
        ["log_softmax_dim2"] = x => Ops.LogSoftmax(x[0], 2),
        ["l2_normalize_dim0"] = x => Ops.L2Normalize(x[0], 0),
        ["l2_normalize_dim1"] = x => Ops.L2Normalize(x[0], 1),
        ["l2_normalize_dim2"] = x => Ops.L2Normalize(x[0], 2),
        ["mean"] = x => Ops.Mean(x[0]),
        ["max_whole_ties"] = x => Ops.Max(x[0]),
        ["max_dim_ties"] = x => Ops.Max(x[0], 1).Values,
        ["logsumexp_large"] = x => Ops.LogSumExp(x[0], 1),
        ["logsumexp_whole"] = x => Ops.LogSumExp(x[0]),
        ["norm_zero"] = x => Ops.Norm(x[0], 1),
        ["norm_whole"] = x => Ops.Norm(x[0]),
        ["softmax_large"] = x => Ops.Softmax(x[0], 1),
        ["reshape"] = x => Ops.Reshape(x[0], 4, -1),
        ["flatten"] = x => Ops.Flatten(x[0], 1),
        ["transpose"] = x => Ops.Transpose(x[0], 0, 2),
        ["permute"] = x => Ops.Permute(x[0], 1, 2, 0),
        ["narrow"] = x => Ops.Narrow(x[0], 1, 1, 2),
        ["expand"] = x => Ops.Expand(x[0], 2, 3, 4),
        ["index_select_rows"] = x => Ops.IndexSelect(x[0], 0, [2, 0, 2, 2, 1]),
        ["index_select_dim1"] = x => Ops.IndexSelect(x[0], 1, [3, 3, 0]),
        ["gather_dim1"] = x => Ops.Gather(x[0], 1, [2, 0, 2, 1]),
        ["gather_dim0"] = x => Ops.Gather(x[0], 0, [1, 0, 1, 1, 1, 0]),
        ["concat_dim0"] = x => Ops.Concat([x[0], x[1]], 0),
        ["concat_dim1"] = x => Ops.Concat([x[0], x[1], x[2]], 1),
        ["stack_dim1"] = x => Ops.Stack([x[0], x[1]], 1),
        ["cdist"] = x => Ops.Cdist(x[0], x[1]),
        ["cdist_fd"] = x => Ops.Cdist(x[0], x[1]),
        ["sqdist"] = x => Ops.SquaredDistances(x[0], x[1]),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => OpCheck.Fixture("ops/" + name, Cases[name]);
}
