using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>Broadcasting arithmetic: a + b, a − b, a · b, a / b.</summary>
public static partial class Ops
{
    /// <summary>a + b. ∂/∂a = g, ∂/∂b = g (summed over broadcast dimensions).</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary<AddOp>(a, b);
        return Autograd.Record(y, "add", (g, grads) =>
        {
            grads.Add(a, g);
            grads.Add(b, g);
        }, a, b);
    }

    /// <summary>a − b. ∂/∂a = g, ∂/∂b = −g.</summary>
    public static Tensor Sub(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary<SubOp>(a, b);
        return Autograd.Record(y, "sub", (g, grads) =>
        {
            grads.Add(a, g);
            if (Gradients.Needs(b)) grads.Take(b, Neg(g));
        }, a, b);
    }

    /// <summary>a · b. ∂/∂a = g·b, ∂/∂b = g·a.</summary>
    public static Tensor Mul(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary<MulOp>(a, b);
        return Autograd.Record(y, "mul", (g, grads) =>
        {
            if (Gradients.Needs(a)) grads.Take(a, Elementwise.Binary<MulOp>(g, b));
            if (Gradients.Needs(b)) grads.Take(b, Elementwise.Binary<MulOp>(g, a));
        }, a, b);
    }

    /// <summary>a / b. ∂/∂a = g/b, ∂/∂b = −g·a/b².</summary>
    public static Tensor Div(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary<DivOp>(a, b);
        return Autograd.Record(y, "div", (g, grads) =>
        {
            if (Gradients.Needs(a)) grads.Take(a, Elementwise.Binary<DivOp>(g, b));
            if (Gradients.Needs(b))
            {
                // −g·y/b, with y = a/b
                using var gy = Elementwise.Binary<MulOp>(g, y);
                var gb = Elementwise.Binary<DivOp>(gy, b);
                TensorPrimitives.Negate(gb.Span, gb.Span);
                grads.Take(b, gb);
            }
        }, a, b);
    }

    /// <summary>−x.</summary>
    public static Tensor Neg(Tensor x)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => TensorPrimitives.Negate(x.Span.Slice(s, n), y.Span.Slice(s, n)));
        return Autograd.Record(y, "neg", (g, grads) => grads.Take(x, Neg(g)), x);
    }

    internal readonly struct AddOp : IBinarySpanOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
    }

    internal readonly struct SubOp : IBinarySpanOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    }

    internal readonly struct MulOp : IBinarySpanOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
    }

    internal readonly struct DivOp : IBinarySpanOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    }
}
