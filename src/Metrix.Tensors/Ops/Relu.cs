using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
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

    private static Tensor ReluGrad(Tensor g, Tensor y) => Elementwise.Binary(new PositiveMask(), g, y);

    /// <summary>(g, y) ↦ g where y &gt; 0, else 0.</summary>
    internal readonly struct PositiveMask : IBinaryOperator
    {
        public float Invoke(float g, float y) => y > 0 ? g : 0f;
        public Vector256<float> Invoke(Vector256<float> g, Vector256<float> y) => g & Vector256.GreaterThan(y, Vector256<float>.Zero);
        public Vector512<float> Invoke(Vector512<float> g, Vector512<float> y) => g & Vector512.GreaterThan(y, Vector512<float>.Zero);
    }
}
