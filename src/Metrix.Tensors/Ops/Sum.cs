using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>Σ of all elements, as a zero-dimensional tensor. ∂/∂x = g broadcast to x's shape.</summary>
    public static Tensor Sum(Tensor x)
    {
        var y = Tensor.Scalar(Elementwise.Sum(x.Span));
        return Autograd.Record(y, "sum", (g, grads) =>
        {
            if (Gradients.Needs(x)) grads.Take(x, Tensor.Full(g.Item(), x.Shape));
        }, x);
    }

    /// <summary>
    /// Σ along <paramref name="dim"/> (removed, or kept with extent 1). Each output sums its line in index
    /// order, so the result does not depend on the thread count. ∂x = g broadcast along the dimension.
    /// </summary>
    public static Tensor Sum(Tensor x, int dim, bool keepDim = false) => SumAlong(x, dim, keepDim, 1f, "sum_dim");

    /// <summary>Mean of all elements, as a zero-dimensional tensor. ∂x = g / size.</summary>
    public static Tensor Mean(Tensor x)
    {
        if (x.Size == 0) throw new ArgumentException("Mean of an empty tensor");
        float scale = 1f / x.Size;
        var y = Tensor.Scalar(Elementwise.Sum(x.Span) * scale);
        return Autograd.Record(y, "mean", (g, grads) =>
        {
            if (Gradients.Needs(x)) grads.Take(x, Tensor.Full(g.Item() * scale, x.Shape));
        }, x);
    }

    /// <summary>Mean along <paramref name="dim"/>. ∂x = g / n broadcast along the dimension.</summary>
    public static Tensor Mean(Tensor x, int dim, bool keepDim = false)
    {
        int n = x.Dim(dim);
        if (n == 0) throw new ArgumentException($"Mean along an empty dimension {dim} of {Shapes.Format(x.Shape)}");
        return SumAlong(x, dim, keepDim, 1f / n, "mean_dim");
    }

    // y[o, j] = scale · Σₖ x[o, k, j] over the layout [Outer, N, Inner].
    private static Tensor SumAlong(Tensor x, int dim, bool keepDim, float scale, string name)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank);
        var l = DimLayout.Of(x.Shape, d);
        var y = Tensor.Empty(DimLayout.Reduced(x.Shape, d, keepDim));
        ForOuter(l, o =>
        {
            var xo = x.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            var yo = y.Span.Slice(o * l.Inner, l.Inner);
            if (l.Inner == 1)
            {
                yo[0] = TensorPrimitives.Sum(xo) * scale;
                return;
            }
            yo.Clear();
            for (int k = 0; k < l.N; k++) TensorPrimitives.Add(yo, xo.Slice(k * l.Inner, l.Inner), yo);
            if (scale != 1f) TensorPrimitives.Multiply(yo, scale, yo);
        });
        return Autograd.Record(y, name, (g, grads) =>
        {
            var gx = x.EmptyLike();
            ForOuter(l, o =>
            {
                var go = g.Span.Slice(o * l.Inner, l.Inner);
                var dst = gx.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
                if (l.Inner == 1) dst.Fill(go[0] * scale);
                else
                    for (int k = 0; k < l.N; k++) TensorPrimitives.Multiply(go, scale, dst.Slice(k * l.Inner, l.Inner));
            });
            grads.Take(x, gx);
        }, x);
    }
}
