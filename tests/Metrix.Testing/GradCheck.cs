using Metrix.Tensors;
using Xunit.Sdk;

namespace Metrix.Testing;

/// <summary>
/// Checks an operation's backward against central finite differences: the scalar probed is
/// L = Σ f(x)·R for a fixed random R, so every output element gets its own upstream gradient.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Compares ∂L/∂xᵢ from <see cref="Tensor.Backward"/> with (L(x+ε) − L(x−ε)) / 2ε for every element
    /// of every input that requires grad. Returns the largest relative error seen.
    /// </summary>
    public static double Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-3, double rtol = 1e-2, double atol = 1e-3, int seed = 7)
    {
        foreach (var x in inputs) x.Grad = null;
        var y0 = f(inputs);
        var weights = new Rng((ulong)seed).Normal(y0.Shape);
        var loss = Ops.Sum(Ops.Mul(y0, weights));
        loss.Backward();
        double worst = 0;
        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad) continue;
            var analytic = x.Grad ?? throw new XunitException($"input {k} received no gradient");
            var data = x.Span;
            for (int i = 0; i < x.Size; i++)
            {
                float saved = data[i];
                data[i] = (float)(saved + eps);
                double plus = Weighted(f, inputs, weights);
                data[i] = (float)(saved - eps);
                double minus = Weighted(f, inputs, weights);
                data[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic.Span[i];
                double err = Math.Abs(a - numeric);
                worst = Math.Max(worst, err / Math.Max(Math.Abs(numeric), atol / rtol));
                if (err > atol + rtol * Math.Abs(numeric))
                    throw new XunitException($"input {k} {Shapes.Format(x.Shape)} element {i}: analytic {a:G6}, numeric {numeric:G6}");
            }
        }
        return worst;
    }

    private static double Weighted(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor weights)
    {
        using var noGrad = Autograd.NoGrad();
        var y = f(inputs);
        double s = 0;
        var yv = y.Span;
        var w = weights.Span;
        for (int i = 0; i < yv.Length; i++) s += (double)yv[i] * w[i];
        return s;
    }
}
