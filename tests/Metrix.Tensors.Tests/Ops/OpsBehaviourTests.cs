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
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        var x = new Rng(12).Normal([64, 3000]);
        Tensor[] one, two;
        using (Workers.Use(1)) one = [Ops.Sum(x, 0), Ops.Sum(x, 1), Ops.L2Normalize(x, 1)];
        using (Workers.Use(2)) two = [Ops.Sum(x, 0), Ops.Sum(x, 1), Ops.L2Normalize(x, 1)];
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i].ToArray(), two[i].ToArray());
    }

    [Fact]
    public void Shape_ops_compose_and_check_their_arguments()
    {
        var x = new Rng(13).Normal([2, 3, 4]);
        Assert.Equal([2, 12], Ops.Flatten(x, 1).ShapeArray());
        Assert.Equal([2, 1, 3, 4], Ops.Unsqueeze(x, 1).ShapeArray());
        Assert.Equal([2, 3, 4], Ops.Squeeze(Ops.Unsqueeze(x, -1)).ShapeArray());
        Assert.Equal([2, 3, 4], x.Reshape(6, 4).View(2, 3, 4).ShapeArray());
        Assert.Contains("only one dimension can be −1", Assert.Throws<ArgumentException>(() => Ops.Reshape(x, -1, -1)).Message);
        Assert.Contains("cannot reshape [2, 3, 4] (24 elements) to [5, -1]", Assert.Throws<ArgumentException>(() => Ops.Reshape(x, 5, -1)).Message);
    }

    [Fact]
    public void Scalar_operators_and_instance_methods_differentiate()
    {
        var x = new Rng(14).Uniform([3, 4], 0.5, 2).RequireGrad();
        GradCheck.Check(t => (2f - t[0]) / 3f + 1f / t[0] - t[0] * 0.5f, [x]);
        GradCheck.Check(t => t[0].Exp().Sum(1).Relu().Mean(0), [x]);
        GradCheck.Check(t => t[0].L2Normalize(0).Flatten().Sum(), [x]);
    }
}
