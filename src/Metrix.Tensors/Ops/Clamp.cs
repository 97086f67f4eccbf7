using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// min(max(x, lo), hi), either bound optional (when lo &gt; hi every value becomes hi, as PyTorch).
    /// ∂x = g where lo ≤ x ≤ hi (bounds inclusive, as PyTorch), else 0.
    /// </summary>
    public static Tensor Clamp(Tensor x, float? min = null, float? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp needs at least one of min and max");
        float lo = min ?? float.NegativeInfinity, hi = max ?? float.PositiveInfinity;
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) =>
        {
            var d = y.Span.Slice(s, n);
            if (min is not null) TensorPrimitives.Max(x.Span.Slice(s, n), lo, d);
            else x.Span.Slice(s, n).CopyTo(d);
            if (max is not null) TensorPrimitives.Min(d, hi, d);
        });
        return Autograd.Record(y, "clamp", (g, grads) => grads.Take(x, Elementwise.Binary(new InsideMask(lo, hi), g, x)), x);
    }

    /// <summary>Clamps from below: max(x, lo).</summary>
    public static Tensor ClampMin(Tensor x, float min) => Clamp(x, min, null);

    /// <summary>Clamps from above: min(x, hi).</summary>
    public static Tensor ClampMax(Tensor x, float max) => Clamp(x, null, max);

    /// <summary>(g, x) ↦ g where lo ≤ x ≤ hi, else 0.</summary>
    internal readonly struct InsideMask(float lo, float hi) : IBinaryOperator
    {
        public float Invoke(float g, float x) => x >= lo && x <= hi ? g : 0f;

        public Vector256<float> Invoke(Vector256<float> g, Vector256<float> x) =>
            g & Vector256.GreaterThanOrEqual(x, Vector256.Create(lo)) & Vector256.LessThanOrEqual(x, Vector256.Create(hi));

        public Vector512<float> Invoke(Vector512<float> g, Vector512<float> x) =>
            g & Vector512.GreaterThanOrEqual(x, Vector512.Create(lo)) & Vector512.LessThanOrEqual(x, Vector512.Create(hi));
    }
}
