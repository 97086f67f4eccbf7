using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>√x. ∂x = g / (2√x) (+∞ at 0, as PyTorch).</summary>
    public static Tensor Sqrt(Tensor x)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => TensorPrimitives.Sqrt(x.Span.Slice(s, n), y.Span.Slice(s, n)));
        return Autograd.Record(y, "sqrt", (g, grads) => grads.Take(x, Elementwise.Binary(new HalfOver(), g, y)), x);
    }

    /// <summary>(g, y) ↦ g / (2y).</summary>
    internal readonly struct HalfOver : IBinaryOperator
    {
        public float Invoke(float g, float y) => 0.5f * g / y;
        public Vector256<float> Invoke(Vector256<float> g, Vector256<float> y) => Vector256.Create(0.5f) * g / y;
        public Vector512<float> Invoke(Vector512<float> g, Vector512<float> y) => Vector512.Create(0.5f) * g / y;
    }
}
