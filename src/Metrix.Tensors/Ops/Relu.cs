using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>max(x, 0). ∂x = g where y &gt; 0, else 0.</summary>
    public static Tensor Relu(Tensor x)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => TensorPrimitives.Max(x.Span.Slice(s, n), 0f, y.Span.Slice(s, n)));
        return Autograd.Record(y, "relu", (g, grads) => grads.Take(x, ReluGrad(g, y)), x);
    }

    /// <summary>relu(a + b) for same-shape a and b (the residual join), one pass forward and backward.</summary>
    public static Tensor AddRelu(Tensor a, Tensor b)
    {
        if (!Shapes.Equal(a.Shape, b.Shape)) throw new ArgumentException($"AddRelu needs equal shapes; got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}");
        var y = a.EmptyLike();
        Elementwise.Parallel(a.Size, (s, n) =>
        {
            var d = y.Span.Slice(s, n);
            TensorPrimitives.Add(a.Span.Slice(s, n), b.Span.Slice(s, n), d);
            TensorPrimitives.Max(d, 0f, d);
        });
        return Autograd.Record(y, "add_relu", (g, grads) =>
        {
            var gx = ReluGrad(g, y);
            grads.Add(a, gx);
            grads.Take(b, gx);
        }, a, b);
    }

    private static Tensor ReluGrad(Tensor g, Tensor y)
    {
        var gx = g.EmptyLike();
        Elementwise.Parallel(g.Size, (s, n) =>
        {
            var gs = g.Span.Slice(s, n);
            var ys = y.Span.Slice(s, n);
            var d = gx.Span.Slice(s, n);
            for (int i = 0; i < n; i++) d[i] = ys[i] > 0 ? gs[i] : 0f;
        });
        return gx;
    }

    /// <summary>
    /// Rows scaled to unit length along the last dimension: y = x / √(Σx² + ε) (ε inside the root).
    /// ∂x = (g − y·⟨g, y⟩) / √(Σx² + ε).
    /// </summary>
    public static Tensor L2Normalize(Tensor x, float eps = 1e-12f)
    {
        int d = x.Dim(-1), rows = x.Size / d;
        var y = x.EmptyLike();
        var norms = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Span.Slice(r * d, d);
            float norm = MathF.Sqrt(TensorPrimitives.Dot(xr, xr) + eps);
            norms[r] = norm;
            TensorPrimitives.Divide(xr, norm, y.Span.Slice(r * d, d));
        }
        return Autograd.Record(y, "l2_normalize", (g, grads) =>
        {
            var gx = x.EmptyLike();
            for (int r = 0; r < rows; r++)
            {
                var gr = g.Span.Slice(r * d, d);
                var yr = y.Span.Slice(r * d, d);
                var dst = gx.Span.Slice(r * d, d);
                float dot = TensorPrimitives.Dot(gr, yr);
                TensorPrimitives.MultiplyAdd(yr, -dot, gr, dst);
                TensorPrimitives.Divide(dst, norms[r], dst);
            }
            grads.Take(x, gx);
        }, x);
    }

    /// <summary>The same values with a new shape (one dimension may be −1). ∂x = g reshaped back.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var resolved = (int[])shape.Clone();
        int infer = Array.IndexOf(resolved, -1);
        if (infer >= 0)
        {
            int known = 1;
            for (int i = 0; i < resolved.Length; i++) if (i != infer) known *= resolved[i];
            resolved[infer] = known == 0 ? 0 : x.Size / known;
        }
        long size = 1;
        foreach (int s in resolved) size *= s;
        if (size != x.Size) throw new ArgumentException($"cannot reshape {Shapes.Format(x.Shape)} to {Shapes.Format(shape)}");
        var y = Tensor.FromArray(x.Span, resolved);
        var inShape = x.ShapeArray();
        return Autograd.Record(y, "reshape", (g, grads) => grads.Take(x, Tensor.FromArray(g.Span, inShape)), x);
    }
}
