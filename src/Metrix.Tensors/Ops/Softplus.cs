using System.Runtime.Intrinsics;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// softplus(x) = ln(1 + eˣ), and x itself above <paramref name="threshold"/> (PyTorch's β = 1,
    /// threshold 20). ∂x = g·eˣ/(1 + eˣ) below the threshold, g above.
    /// </summary>
    public static Tensor Softplus(Tensor x, float threshold = 20f)
    {
        var y = Elementwise.Unary(new SoftplusOp(threshold), x);
        return Autograd.Record(y, "softplus", (g, grads) => grads.Take(x, Elementwise.Binary(new SoftplusGrad(threshold), g, x)), x);
    }

    /// <summary>
    /// x ↦ x above the threshold, else ln(1 + e) with e = eˣ, computed as ln(u)·e/(u − 1), u = 1 + e, which
    /// keeps full relative precision when e is tiny (e itself when u rounds to 1).
    /// </summary>
    internal readonly struct SoftplusOp(float threshold) : IUnaryOperator
    {
        public float Invoke(float x)
        {
            if (x > threshold) return x;
            float e = MathF.Exp(x), u = 1f + e;
            return u == 1f ? e : MathF.Log(u) * e / (u - 1f);
        }

        public Vector256<float> Invoke(Vector256<float> x)
        {
            var e = Vector256.Exp(x);
            var u = Vector256<float>.One + e;
            var l = Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<float>.One), e, Vector256.Log(u) * e / (u - Vector256<float>.One));
            return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(threshold)), x, l);
        }

        public Vector512<float> Invoke(Vector512<float> x)
        {
            var e = Vector512.Exp(x);
            var u = Vector512<float>.One + e;
            var l = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<float>.One), e, Vector512.Log(u) * e / (u - Vector512<float>.One));
            return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(threshold)), x, l);
        }
    }

    /// <summary>(g, x) ↦ g above the threshold, else g·z/(z + 1) with z = eˣ (PyTorch's softplus_backward).</summary>
    internal readonly struct SoftplusGrad(float threshold) : IBinaryOperator
    {
        public float Invoke(float g, float x)
        {
            if (x > threshold) return g;
            float z = MathF.Exp(x);
            return g * z / (z + 1f);
        }

        public Vector256<float> Invoke(Vector256<float> g, Vector256<float> x)
        {
            var z = Vector256.Exp(x);
            return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(threshold)), g, g * z / (z + Vector256<float>.One));
        }

        public Vector512<float> Invoke(Vector512<float> g, Vector512<float> x)
        {
            var z = Vector512.Exp(x);
            return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(threshold)), g, g * z / (z + Vector512<float>.One));
        }
    }
}
