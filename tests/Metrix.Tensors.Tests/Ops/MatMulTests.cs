using Metrix.Testing;

namespace Metrix.Tensors.Tests;

public sealed class MatMulTests
{
    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4, 5 })]
    public void MatMul_values_and_gradients(int[] sa, int[] sb)
    {
        var rng = new Rng(5);
        var a = rng.Normal(sa).RequireGrad();
        var b = rng.Normal(sb).RequireGrad();
        var y = Ops.MatMul(a, b);
        int m = sa[^2], k = sa[^1], n = sb[^1], batch = sa.Length == 3 ? sa[0] : 1;
        for (int i = 0; i < batch; i++)
            for (int r = 0; r < m; r++)
                for (int c = 0; c < n; c++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                        s += (double)a.Span[(i * m + r) * k + p] * b.Span[(sb.Length == 3 ? i * k * n : 0) + p * n + c];
                    Assert.Equal(s, y.Span[(i * m + r) * n + c], 4);
                }
        GradCheck.Check(t => Ops.MatMul(t[0], t[1]), [a, b]);
    }
}
