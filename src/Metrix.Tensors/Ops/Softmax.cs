using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// softmax along <paramref name="dim"/>: y = exp(x − m) / Σ exp(x − m), m the line's maximum.
    /// ∂x = y·(g − ⟨g, y⟩) along the line.
    /// </summary>
    public static Tensor Softmax(Tensor x, int dim)
    {
        var l = DimLayout.Of(x.Shape, Shapes.NormalizeDim(dim, x.Rank));
        var y = x.EmptyLike();
        ForOuter(l, o => SoftmaxBlock(l, Block(x, l, o), Block(y, l, o), log: false));
        return Autograd.Record(y, "softmax", (g, grads) =>
        {
            var gx = x.EmptyLike();
            ForOuter(l, o =>
            {
                ReadOnlySpan<float> go = Block(g, l, o), yo = Block(y, l, o);
                var dst = Block(gx, l, o);
                if (l.Inner == 1)
                {
                    TensorPrimitives.Subtract(go, TensorPrimitives.Dot(go, yo), dst);
                    TensorPrimitives.Multiply(dst, yo, dst);
                    return;
                }
                var dots = new float[l.Inner];
                for (int k = 0; k < l.N; k++) TensorPrimitives.MultiplyAdd(Row(go, l, k), Row(yo, l, k), dots, dots);
                for (int k = 0; k < l.N; k++)
                {
                    var d = Row(dst, l, k);
                    TensorPrimitives.Subtract(Row(go, l, k), dots, d);
                    TensorPrimitives.Multiply(d, Row(yo, l, k), d);
                }
            });
            grads.Take(x, gx);
        }, x);
    }

    /// <summary>
    /// log-softmax along <paramref name="dim"/>: y = x − logsumexp(x) (stable). ∂x = g − exp(y)·Σg along
    /// the line.
    /// </summary>
    public static Tensor LogSoftmax(Tensor x, int dim)
    {
        var l = DimLayout.Of(x.Shape, Shapes.NormalizeDim(dim, x.Rank));
        var y = x.EmptyLike();
        ForOuter(l, o => SoftmaxBlock(l, Block(x, l, o), Block(y, l, o), log: true));
        return Autograd.Record(y, "log_softmax", (g, grads) =>
        {
            var gx = x.EmptyLike();
            ForOuter(l, o =>
            {
                ReadOnlySpan<float> go = Block(g, l, o), yo = Block(y, l, o);
                var dst = Block(gx, l, o);
                if (l.Inner == 1)
                {
                    TensorPrimitives.Exp(yo, dst);
                    TensorPrimitives.MultiplyAdd(dst, -TensorPrimitives.Sum(go), go, dst);
                    return;
                }
                var sums = new float[l.Inner];
                for (int k = 0; k < l.N; k++) TensorPrimitives.Add(sums, Row(go, l, k), sums);
                for (int k = 0; k < l.N; k++)
                {
                    var d = Row(dst, l, k);
                    TensorPrimitives.Exp(Row(yo, l, k), d);
                    TensorPrimitives.Multiply(d, sums, d);
                    TensorPrimitives.Subtract(Row(go, l, k), d, d);
                }
            });
            grads.Take(x, gx);
        }, x);
    }

    private static Span<float> Block(Tensor t, DimLayout l, int o) => t.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);

    private static Span<float> Row(Span<float> block, DimLayout l, int k) => block.Slice(k * l.Inner, l.Inner);

    private static ReadOnlySpan<float> Row(ReadOnlySpan<float> block, DimLayout l, int k) => block.Slice(k * l.Inner, l.Inner);

    // One outer block x [N, Inner] → y [N, Inner]; softmax, or log-softmax when log is set.
    private static void SoftmaxBlock(DimLayout l, ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        if (l.N == 0) return;
        if (l.Inner == 1)
        {
            float m = TensorPrimitives.Max(x);
            TensorPrimitives.Subtract(x, m, y);
            TensorPrimitives.Exp(y, y);
            float s = TensorPrimitives.Sum(y);
            if (log) TensorPrimitives.Subtract(x, m + MathF.Log(s), y);
            else TensorPrimitives.Divide(y, s, y);
            return;
        }
        var maxes = x[..l.Inner].ToArray();
        for (int k = 1; k < l.N; k++) TensorPrimitives.Max(maxes, Row(x, l, k), maxes);
        var sums = new float[l.Inner];
        for (int k = 0; k < l.N; k++)
        {
            var row = Row(y, l, k);
            TensorPrimitives.Subtract(Row(x, l, k), maxes, row);
            TensorPrimitives.Exp(row, row);
            TensorPrimitives.Add(sums, row, sums);
        }
        if (log)
        {
            TensorPrimitives.Log(sums, sums);
            TensorPrimitives.Add(sums, maxes, sums);
            for (int k = 0; k < l.N; k++) TensorPrimitives.Subtract(Row(x, l, k), sums, Row(y, l, k));
        }
        else
            for (int k = 0; k < l.N; k++) TensorPrimitives.Divide(Row(y, l, k), sums, Row(y, l, k));
    }
}
