using Metrix.Testing;

namespace Metrix.Tensors.Tests;

/// <summary>Hand-computed values, large (parallel) inputs, determinism and error messages.</summary>
public sealed class OpsBehaviourTests
{
    [Fact]
    public void Reductions_along_a_dimension_match_hand_values()
    {
        var x = Tensor.FromArray([1f, 5f, 3f, 4f, 2f, 6f], 2, 3);
        Assert.Equal([9f, 12f], Ops.Sum(x, 1).ToArray());
        Assert.Equal([5f, 7f, 9f], Ops.Sum(x, 0).ToArray());
        Assert.Equal([1, 3], Ops.Sum(x, 0, keepDim: true).ShapeArray());
        Assert.Equal([3f, 4f], Ops.Mean(x, -1).ToArray());
        var (values, indices) = Ops.Max(x, 1);
        Assert.Equal([5f, 6f], values.ToArray());
        Assert.Equal([1, 2], indices);
        Assert.Equal([1, 0, 1], Ops.Argmax(x, 0));
        Assert.Equal(5, Ops.Argmax(x));
        Assert.Equal(0, Ops.Argmin(x));
        Assert.Equal(MathF.Log(MathF.Exp(1) + MathF.Exp(5) + MathF.Exp(3)), Ops.LogSumExp(x, 1).Span[0], 5);
        Assert.Equal(5f, Ops.Norm(Tensor.FromArray(3f, 4f)).Item());
    }

    [Fact]
    public void Comparisons_give_float_masks_with_broadcasting()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var b = Tensor.FromArray(2f, 3f);
        Assert.Equal([0f, 0f, 1f, 1f], Ops.Gt(a, b).ToArray());
        Assert.Equal([0f, 0f, 1f, 1f], Ops.Ge(a, b).ToArray());
        Assert.Equal([1f, 1f, 0f, 0f], Ops.Lt(a, b).ToArray());
        Assert.Equal([1f, 0f, 1f, 1f], Ops.Ne(a, 2f).ToArray());
        Assert.Equal([0f, 1f, 0f, 0f], Ops.Eq(a, 2f).ToArray());
        Assert.Equal([1f, 1f, 0f, 0f], Ops.Le(a, 2.5f).ToArray());
        Assert.False(Ops.Gt(a.RequireGrad(), b).RequiresGrad);
    }

    [Fact]
    public void Index_select_accumulates_repeated_rows_in_backward()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2).RequireGrad();
        var y = Ops.IndexSelect(x, [2, 2, 0, 2]);
        Assert.Equal([5f, 6f, 5f, 6f, 1f, 2f, 5f, 6f], y.ToArray());
        Ops.Sum(y).Backward();
        Assert.Equal([1f, 1f, 0f, 0f, 3f, 3f], x.Grad!.ToArray());
    }

    [Fact]
    public void Large_inputs_take_the_parallel_paths_with_the_same_results()
    {
        var rng = new Rng(11);
        var x = rng.Normal([300, 400]);
        var rowSums = Ops.Sum(x, 1);
        var colSums = Ops.Sum(x, 0);
        for (int i = 0; i < 300; i += 37)
        {
            double s = 0;
            for (int j = 0; j < 400; j++) s += x.Span[i * 400 + j];
            Assert.Equal(s, rowSums.Span[i], 3);
        }
        for (int j = 0; j < 400; j += 41)
        {
            double s = 0;
            for (int i = 0; i < 300; i++) s += x.Span[i * 400 + j];
            Assert.Equal(s, colSums.Span[j], 3);
        }
        var t = Ops.Transpose(x, 0, 1);
        Assert.Equal(x[17, 123], t[123, 17]);
        var sp = Ops.Softplus(x);
        Assert.Equal(MathF.Log(1 + MathF.Exp(x.Span[12345])), sp.Span[12345], 5);
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        var x = new Rng(12).Normal([64, 3000]);
        Tensor[] one, two;
        using (Workers.Use(1)) one = [Ops.Sum(x, 0), Ops.Sum(x, 1), Ops.LogSumExp(x, 1), Ops.Softmax(x, 0), Ops.Norm(x, 1)];
        using (Workers.Use(2)) two = [Ops.Sum(x, 0), Ops.Sum(x, 1), Ops.LogSumExp(x, 1), Ops.Softmax(x, 0), Ops.Norm(x, 1)];
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i].ToArray(), two[i].ToArray());
    }

    [Fact]
    public void Shape_ops_compose_and_check_their_arguments()
    {
        var x = new Rng(13).Normal([2, 3, 4]);
        Assert.Equal([2, 12], Ops.Flatten(x, 1).ShapeArray());
        Assert.Equal([2, 1, 3, 4], Ops.Unsqueeze(x, 1).ShapeArray());
        Assert.Equal([2, 3, 4], Ops.Squeeze(Ops.Unsqueeze(x, -1)).ShapeArray());
        Assert.Equal([3, 2, 4], Ops.Stack([x.Narrow(1, 0, 1).Squeeze(1), x.Narrow(1, 1, 1).Squeeze(1), x.Narrow(1, 2, 1).Squeeze(1)], 0).ShapeArray());
        Assert.Equal(x[1, 2, 3], Ops.Slice(x, 2, -1, 4)[1, 2, 0]);
        Assert.Contains("only one dimension can be −1", Assert.Throws<ArgumentException>(() => Ops.Reshape(x, -1, -1)).Message);
        Assert.Contains("cannot reshape [2, 3, 4] (24 elements) to [5, -1]", Assert.Throws<ArgumentException>(() => Ops.Reshape(x, 5, -1)).Message);
        Assert.Contains("repeated", Assert.Throws<ArgumentException>(() => Ops.Permute(x, 0, 0, 1)).Message);
        Assert.Contains("does not match", Assert.Throws<ArgumentException>(() => Ops.Concat([x, Tensor.Zeros(2, 4, 4)], 2)).Message);
        Assert.Contains("index 3 is out of range for dimension 0 of extent 2", Assert.Throws<IndexOutOfRangeException>(() => Ops.IndexSelect(x, [0, 3])).Message);
        Assert.Contains("outside dimension", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Narrow(x, 1, 2, 2)).Message);
        Assert.Contains("cannot broadcast", Assert.Throws<ArgumentException>(() => Ops.Expand(x, 2, 5, 4)).Message);
        Assert.Contains("at least one of min and max", Assert.Throws<ArgumentException>(() => Ops.Clamp(x)).Message);
        Assert.Contains("need a [M, D] and b [N, D]", Assert.Throws<ArgumentException>(() => Ops.Cdist(x, x)).Message);
    }

    [Fact]
    public void Pairwise_distances_are_exact_and_have_zero_gradient_at_zero_distance()
    {
        var a = Tensor.FromArray([0f, 0f, 3f, 4f], 2, 2).RequireGrad();
        var b = Tensor.FromArray([0f, 0f], 1, 2);
        var d = Ops.Cdist(a, b);
        Assert.Equal([0f, 5f], d.ToArray());
        Ops.Sum(d).Backward();
        Assert.Equal([0f, 0f, 0.6f, 0.8f], a.Grad!.ToArray());
        Assert.Equal([0f, 25f], Ops.SquaredDistances(a, b).ToArray());
    }

    [Fact]
    public void Scalar_operators_and_instance_methods_differentiate()
    {
        var x = new Rng(14).Uniform([3, 4], 0.5, 2).RequireGrad();
        GradCheck.Check(t => (2f - t[0]) / 3f + 1f / t[0] - t[0] * 0.5f, [x]);
        GradCheck.Check(t => t[0].Log().Sum(1).Softmax(0), [x]);
        GradCheck.Check(t => t[0].T().MatMul(t[0]).L2Normalize(0), [x]);
        GradCheck.Check(t => Ops.Where(Ops.Gt(t[0], 1f), t[0].Pow(2f), t[0].Sqrt()), [x]);
    }
}
