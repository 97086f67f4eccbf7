using Metrix.Tensors;
using Xunit.Sdk;

namespace Metrix.Testing;

/// <summary>
/// One call checks an operation against a PyTorch fixture written by <c>tools/fixtures/ops.py</c>: the
/// value, the input gradients of L = Σ y·r, and (when the fixture's inputs stay off kinks, metadata
/// <c>fd = 1</c>) the backward against central finite differences.
/// </summary>
public static class OpCheck
{
    /// <summary>
    /// Loads <c>tests/fixtures/{name}.safetensors</c> (inputs x0, x1, …, output y, weight r, gradients g0, …),
    /// runs <paramref name="op"/> on the inputs (those with a gradient in the fixture require grad) and
    /// asserts |expected − actual| ≤ atol + rtol·|expected| for the output and every gradient. Returns the
    /// largest relative error seen (relative to max(|expected|, 1e-3)).
    /// </summary>
    public static double Fixture(string name, Func<Tensor[], Tensor> op, double rtol = 1e-4, double atol = 1e-5)
    {
        var file = Fixtures.Load(name);
        var t = file.Tensors;
        var inputs = new List<Tensor>();
        for (int i = 0; t.ContainsKey($"x{i}"); i++)
            inputs.Add(t[$"x{i}"].RequireGrad(t.ContainsKey($"g{i}")));
        var xs = inputs.ToArray();
        var y = op(xs);
        // fixture_io stores a zero-dimensional result with shape [1]
        var expected = y.Rank == 0 && t["y"].Size == 1 ? Ops.Reshape(t["y"]) : t["y"];
        TensorAssert.Close(expected, y, rtol, atol, $"{name}: value");
        double worst = TensorAssert.MaxRelativeError(expected.Span, y.Span);
        if (xs.Any(x => x.RequiresGrad))
        {
            Ops.Sum(Ops.Mul(y, t["r"])).Backward();
            for (int i = 0; i < xs.Length; i++)
            {
                if (!xs[i].RequiresGrad) continue;
                var grad = xs[i].Grad ?? throw new XunitException($"{name}: input {i} received no gradient");
                TensorAssert.Close(t[$"g{i}"], grad, rtol, atol, $"{name}: gradient of input {i}");
                worst = Math.Max(worst, TensorAssert.MaxRelativeError(t[$"g{i}"].Span, grad.Span));
            }
            if (file.Metadata.TryGetValue("fd", out var fd) && fd == "1")
                GradCheck.Check(op, xs);
        }
        return worst;
    }
}
