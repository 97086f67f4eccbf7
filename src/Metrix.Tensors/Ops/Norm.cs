using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Euclidean norm √Σx² along <paramref name="dim"/>. ∂x = g·x / y, and 0 where y = 0 (PyTorch's
    /// safe subgradient).
    /// </summary>
    public static Tensor Norm(Tensor x, int dim, bool keepDim = false)
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
                yo[0] = MathF.Sqrt(TensorPrimitives.SumOfSquares(xo));
                return;
            }
            yo.Clear();
            for (int k = 0; k < l.N; k++)
            {
                var row = xo.Slice(k * l.Inner, l.Inner);
                TensorPrimitives.MultiplyAdd(row, row, yo, yo);
            }
            TensorPrimitives.Sqrt(yo, yo);
        });
        return Autograd.Record(y, "norm_dim", (g, grads) => grads.Take(x, NormGrad(l, x, y, g)), x);
    }

    /// <summary>Euclidean norm of all elements, zero-dimensional. ∂x = g·x / y (0 when y = 0).</summary>
    public static Tensor Norm(Tensor x)
    {
        var l = new DimLayout(1, x.Size, 1);
        var y = Tensor.Scalar(MathF.Sqrt(TensorPrimitives.SumOfSquares(x.Span)));
        return Autograd.Record(y, "norm", (g, grads) => grads.Take(x, NormGrad(l, x, y, g)), x);
    }

    // ∂x[o, k, j] = x[o, k, j]·s[o, j] with s = g / y, 0 where y = 0.
    private static Tensor NormGrad(DimLayout l, Tensor x, Tensor y, Tensor g)
    {
        var gx = x.EmptyLike();
        ForOuter(l, o =>
        {
            var scale = new float[l.Inner];
            var yo = y.Span.Slice(o * l.Inner, l.Inner);
            var go = g.Span.Slice(o * l.Inner, l.Inner);
            for (int j = 0; j < scale.Length; j++) scale[j] = yo[j] == 0 ? 0f : go[j] / yo[j];
            var xo = x.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            var dst = gx.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            if (l.Inner == 1) TensorPrimitives.Multiply(xo, scale[0], dst);
            else
                for (int k = 0; k < l.N; k++)
                    TensorPrimitives.Multiply(xo.Slice(k * l.Inner, l.Inner), scale, dst.Slice(k * l.Inner, l.Inner));
        });
        return gx;
    }
}
