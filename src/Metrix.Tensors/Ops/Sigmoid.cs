using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>σ(x) = 1 / (1 + e⁻ˣ). ∂x = g·y·(1 − y).</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => TensorPrimitives.Sigmoid(x.Span.Slice(s, n), y.Span.Slice(s, n)));
        return Autograd.Record(y, "sigmoid", (g, grads) => grads.Take(x, Elementwise.Binary(new SigmoidGrad(), g, y)), x);
    }

    /// <summary>(g, y) ↦ g·y·(1 − y).</summary>
    internal readonly struct SigmoidGrad : IBinaryOperator
    {
        public float Invoke(float g, float y) => g * y * (1f - y);
        public Vector256<float> Invoke(Vector256<float> g, Vector256<float> y) => g * y * (Vector256<float>.One - y);
        public Vector512<float> Invoke(Vector512<float> g, Vector512<float> y) => g * y * (Vector512<float>.One - y);
    }
}
