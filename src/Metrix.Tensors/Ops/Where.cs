using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// y = a where mask ≠ 0, else b; all three broadcast together. The mask gets no gradient; ∂a = g where
    /// the mask holds, ∂b = g elsewhere (each summed back to its shape).
    /// </summary>
    public static Tensor Where(Tensor mask, Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(Shapes.Broadcast(mask.Shape, a.Shape), b.Shape);
        var m = BroadcastCopy(mask, shape);
        var ea = BroadcastCopy(a, shape);
        var eb = BroadcastCopy(b, shape);
        var y = Tensor.Empty(shape);
        Elementwise.Parallel(y.Size, (s, n) =>
        {
            ReadOnlySpan<float> mv = m.Span.Slice(s, n), av = ea.Span.Slice(s, n), bv = eb.Span.Slice(s, n);
            var d = y.Span.Slice(s, n);
            for (int i = 0; i < d.Length; i++) d[i] = mv[i] != 0f ? av[i] : bv[i];
        });
        ea.Dispose();
        eb.Dispose();
        return Autograd.Record(y, "where", (g, grads) =>
        {
            if (Gradients.Needs(a)) grads.Take(a, Masked(g, m, keepWhere: true));
            if (Gradients.Needs(b)) grads.Take(b, Masked(g, m, keepWhere: false));
        }, a, b);
    }

    /// <summary>
    /// x with <paramref name="value"/> where the mask (broadcast to x's shape) is nonzero. ∂x = g where the
    /// mask is zero, else 0.
    /// </summary>
    public static Tensor MaskedFill(Tensor x, Tensor mask, float value)
    {
        var shape = x.ShapeArray();
        if (!Shapes.Equal(Shapes.Broadcast(mask.Shape, shape), shape))
            throw new ArgumentException($"MaskedFill: mask {Shapes.Format(mask.Shape)} does not broadcast to {Shapes.Format(shape)}");
        var m = BroadcastCopy(mask, shape);
        var y = x.EmptyLike();
        Elementwise.Parallel(y.Size, (s, n) =>
        {
            ReadOnlySpan<float> mv = m.Span.Slice(s, n), xv = x.Span.Slice(s, n);
            var d = y.Span.Slice(s, n);
            for (int i = 0; i < d.Length; i++) d[i] = mv[i] != 0f ? value : xv[i];
        });
        return Autograd.Record(y, "masked_fill", (g, grads) => grads.Take(x, Masked(g, m, keepWhere: false)), x);
    }

    // g where (mask ≠ 0) == keepWhere, else 0.
    private static Tensor Masked(Tensor g, Tensor mask, bool keepWhere)
    {
        var d = g.EmptyLike();
        Elementwise.Parallel(d.Size, (s, n) =>
        {
            ReadOnlySpan<float> mv = mask.Span.Slice(s, n), gv = g.Span.Slice(s, n);
            var dv = d.Span.Slice(s, n);
            for (int i = 0; i < dv.Length; i++) dv[i] = (mv[i] != 0f) == keepWhere ? gv[i] : 0f;
        });
        return d;
    }
}
