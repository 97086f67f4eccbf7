using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// ln Σ exp(x) along <paramref name="dim"/>, computed stably as m + ln Σ exp(x − m) with m the line's
    /// maximum (m = 0 when infinite, as PyTorch). ∂x = g·exp(x − y).
    /// </summary>
    public static Tensor LogSumExp(Tensor x, int dim, bool keepDim = false)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank);
        var l = DimLayout.Of(x.Shape, d);
        var y = Tensor.Empty(DimLayout.Reduced(x.Shape, d, keepDim));
        ForOuter(l, o => LogSumExpLines(l, x.Span.Slice(o * l.N * l.Inner, l.N * l.Inner), y.Span.Slice(o * l.Inner, l.Inner)));
        return Autograd.Record(y, "logsumexp", (g, grads) => grads.Take(x, SoftmaxFromLse(l, x, y, g)), x);
    }

    /// <summary>ln Σ exp(x) over all elements (stable), zero-dimensional. ∂x = g·exp(x − y).</summary>
    public static Tensor LogSumExp(Tensor x)
    {
        var l = new DimLayout(1, x.Size, 1);
        var y = Tensor.Scalar(0f);
        LogSumExpLines(l, x.Span, y.Span);
        return Autograd.Record(y, "logsumexp", (g, grads) => grads.Take(x, SoftmaxFromLse(l, x, y, g)), x);
    }

    // One outer block: x [N, Inner] → y [Inner].
    private static void LogSumExpLines(DimLayout l, ReadOnlySpan<float> x, Span<float> y)
    {
        var tmp = new float[l.N == 0 ? 0 : l.Inner == 1 ? l.N : l.Inner];
        if (l.N == 0)
        {
            y.Fill(float.NegativeInfinity);
            return;
        }
        if (l.Inner == 1)
        {
            float m = TensorPrimitives.Max(x);
            if (float.IsInfinity(m)) m = 0;
            TensorPrimitives.Subtract(x, m, tmp);
            TensorPrimitives.Exp(tmp, tmp);
            y[0] = m + MathF.Log(TensorPrimitives.Sum(tmp));
            return;
        }
        var maxes = new float[l.Inner];
        x[..l.Inner].CopyTo(maxes);
        for (int k = 1; k < l.N; k++) TensorPrimitives.Max(maxes, x.Slice(k * l.Inner, l.Inner), maxes);
        for (int j = 0; j < maxes.Length; j++) if (float.IsInfinity(maxes[j])) maxes[j] = 0;
        y.Clear();
        for (int k = 0; k < l.N; k++)
        {
            TensorPrimitives.Subtract(x.Slice(k * l.Inner, l.Inner), maxes, tmp);
            TensorPrimitives.Exp(tmp, tmp);
            TensorPrimitives.Add(y, tmp, y);
        }
        TensorPrimitives.Log(y, y);
        TensorPrimitives.Add(y, maxes, y);
    }

    // ∂x[o, k, j] = g[o, j]·exp(x[o, k, j] − y[o, j]).
    private static Tensor SoftmaxFromLse(DimLayout l, Tensor x, Tensor y, Tensor g)
    {
        var gx = x.EmptyLike();
        ForOuter(l, o =>
        {
            var xo = x.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            var dst = gx.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            var yo = y.Span.Slice(o * l.Inner, l.Inner);
            var go = g.Span.Slice(o * l.Inner, l.Inner);
            if (l.Inner == 1)
            {
                TensorPrimitives.Subtract(xo, yo[0], dst);
                TensorPrimitives.Exp(dst, dst);
                TensorPrimitives.Multiply(dst, go[0], dst);
                return;
            }
            for (int k = 0; k < l.N; k++)
            {
                var row = dst.Slice(k * l.Inner, l.Inner);
                TensorPrimitives.Subtract(xo.Slice(k * l.Inner, l.Inner), yo, row);
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Multiply(row, go, row);
            }
        });
        return gx;
    }
}
