using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>|x|. ∂x = g·sign(x), with sign(0) = 0 as PyTorch.</summary>
    public static Tensor Abs(Tensor x)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => TensorPrimitives.Abs(x.Span.Slice(s, n), y.Span.Slice(s, n)));
        return Autograd.Record(y, "abs", (g, grads) => grads.Take(x, Elementwise.Binary(new TimesSign(), g, x)), x);
    }

    /// <summary>(g, x) ↦ g·sign(x): g where x &gt; 0, −g where x &lt; 0, 0 at 0.</summary>
    internal readonly struct TimesSign : IBinaryOperator
    {
        public float Invoke(float g, float x) => x > 0 ? g : x < 0 ? -g : 0f;

        public Vector256<float> Invoke(Vector256<float> g, Vector256<float> x) =>
            (g & Vector256.GreaterThan(x, Vector256<float>.Zero)) - (g & Vector256.LessThan(x, Vector256<float>.Zero));

        public Vector512<float> Invoke(Vector512<float> g, Vector512<float> x) =>
            (g & Vector512.GreaterThan(x, Vector512<float>.Zero)) - (g & Vector512.LessThan(x, Vector512<float>.Zero));
    }
}
