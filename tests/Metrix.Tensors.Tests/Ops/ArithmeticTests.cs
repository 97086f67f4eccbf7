using Metrix.Testing;

namespace Metrix.Tensors.Tests;


public sealed class ArithmeticTests
{
    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { [2, 3], [2, 3] },
        { [2, 3], [3] },
        { [2, 3], [2, 1] },
        { [4, 3, 5, 2], [1, 3, 1, 1] },
        { [3, 1, 4], [2, 1] },
        { [2, 3], [] },
        { [], [2, 3] },
        { [1, 3], [2, 1] },
    };

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Broadcast_add_matches_the_index_definition(int[] sa, int[] sb)
    {
        var rng = new Rng(1);
        var a = rng.Normal(sa);
        var b = rng.Normal(sb);
        var y = a + b;
        var shape = Shapes.Broadcast(sa, sb);
        Assert.Equal(shape, y.ShapeArray());
        var idx = new int[shape.Length];
        for (int flat = 0; flat < y.Size; flat++)
        {
            int rem = flat;
            for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
            Assert.Equal(At(a, idx) + At(b, idx), y.Span[flat]);
        }
    }

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Arithmetic_gradients_match_finite_differences(int[] sa, int[] sb)
    {
        var rng = new Rng(2);
        var a = rng.Normal(sa).RequireGrad();
        var b = rng.Uniform(sb, 0.5, 2).RequireGrad();
        GradCheck.Check(x => Ops.Add(x[0], x[1]), [a, b]);
        GradCheck.Check(x => Ops.Sub(x[0], x[1]), [a, b]);
        GradCheck.Check(x => Ops.Mul(x[0], x[1]), [a, b]);
        GradCheck.Check(x => Ops.Div(x[0], x[1]), [a, b]);
    }

    [Fact]
    public void Exp_and_sum_gradients_match_finite_differences()
    {
        var x = new Rng(3).Normal([3, 4]).RequireGrad();
        GradCheck.Check(t => Ops.Exp(t[0]), [x]);
        GradCheck.Check(t => Ops.Sum(t[0]), [x]);
    }

    [Fact]
    public void Large_inputs_take_the_parallel_path_with_the_same_result()
    {
        var rng = new Rng(4);
        var a = rng.Normal([3, 70000]);
        var b = rng.Normal([70000]);
        var y = a * b;
        for (int i = 0; i < y.Size; i += 997) Assert.Equal(a.Span[i] * b.Span[i % 70000], y.Span[i]);
    }

    private static float At(Tensor t, int[] outIndex)
    {
        int lead = outIndex.Length - t.Rank;
        var shape = t.Shape;
        int off = 0;
        for (int d = 0; d < t.Rank; d++) off = off * shape[d] + (shape[d] == 1 ? 0 : outIndex[lead + d]);
        return t.Span[off];
    }
}
