using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Lines along <paramref name="dim"/> scaled to unit length: y = x / √(Σx² + ε), ε inside the root
    /// (docs/method.md#model). With r = 1/√(Σx² + ε): ∂x = r·(g − y·⟨g, y⟩), the inner product along the line.
    /// </summary>
    public static Tensor L2Normalize(Tensor x, int dim = -1, float eps = 1e-12f)
    {
        var l = DimLayout.Of(x.Shape, Shapes.NormalizeDim(dim, x.Rank));
        var y = x.EmptyLike();
        var r = new float[l.Lines]; // 1/√(Σx² + ε) per line, [Outer, Inner]
        ForOuter(l, o =>
        {
            var rs = r.AsSpan(o * l.Inner, l.Inner);
            var xo = x.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            var yo = y.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            if (l.Inner == 1)
            {
                rs[0] = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xo) + eps);
                TensorPrimitives.Multiply(xo, rs[0], yo);
                return;
            }
            rs.Clear();
            for (int k = 0; k < l.N; k++)
            {
                var row = xo.Slice(k * l.Inner, l.Inner);
                TensorPrimitives.MultiplyAdd(row, row, rs, rs);
            }
            TensorPrimitives.Add(rs, eps, rs);
            TensorPrimitives.ReciprocalSqrt(rs, rs);
            for (int k = 0; k < l.N; k++)
                TensorPrimitives.Multiply(xo.Slice(k * l.Inner, l.Inner), rs, yo.Slice(k * l.Inner, l.Inner));
        });
        return Autograd.Record(y, "l2_normalize", (g, grads) =>
        {
            var gx = x.EmptyLike();
            ForOuter(l, o =>
            {
                int at = o * l.N * l.Inner, len = l.N * l.Inner;
                var go = g.Span.Slice(at, len);
                var yo = y.Span.Slice(at, len);
                var dst = gx.Span.Slice(at, len);
                var rs = r.AsSpan(o * l.Inner, l.Inner);
                if (l.Inner == 1)
                {
                    float dot = TensorPrimitives.Dot(go, yo);
                    TensorPrimitives.MultiplyAdd(yo, -dot, go, dst);
                    TensorPrimitives.Multiply(dst, rs[0], dst);
                    return;
                }
                var dots = new float[l.Inner];
                for (int k = 0; k < l.N; k++)
                    TensorPrimitives.MultiplyAdd(go.Slice(k * l.Inner, l.Inner), yo.Slice(k * l.Inner, l.Inner), dots, dots);
                for (int k = 0; k < l.N; k++)
                {
                    var d = dst.Slice(k * l.Inner, l.Inner);
                    TensorPrimitives.Multiply(yo.Slice(k * l.Inner, l.Inner), dots, d);
                    TensorPrimitives.Subtract(go.Slice(k * l.Inner, l.Inner), d, d);
                    TensorPrimitives.Multiply(d, rs, d);
                }
            });
            grads.Take(x, gx);
        }, x);
    }

    /// <summary>Runs <paramref name="body"/>(o) for every outer index of a layout, in parallel when the work is large.</summary>
    private static void ForOuter(DimLayout l, Action<int> body) =>
        Workers.For(l.Outer, Math.Max(1, Elementwise.Grain / Math.Max(1, l.N * l.Inner)), (s, e) =>
        {
            for (int o = s; o < e; o++) body(o);
        });
}
