using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// xᵖ for a constant p (negative bases allowed for integer p). ∂x = g·p·xᵖ⁻¹, and 0 when p = 0 (as
    /// PyTorch).
    /// </summary>
    public static Tensor Pow(Tensor x, float p)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => PowSpan(x.Span.Slice(s, n), p, y.Span.Slice(s, n)));
        return Autograd.Record(y, "pow", (g, grads) =>
        {
            if (p == 0f)
            {
                grads.Take(x, x.ZerosLike());
                return;
            }
            var gx = x.EmptyLike();
            Elementwise.Parallel(x.Size, (s, n) =>
            {
                var d = gx.Span.Slice(s, n);
                PowSpan(x.Span.Slice(s, n), p - 1f, d);
                TensorPrimitives.Multiply(d, p, d);
                TensorPrimitives.Multiply(d, g.Span.Slice(s, n), d);
            });
            grads.Take(x, gx);
        }, x);
    }

    /// <summary>
    /// aᵇ element-wise with broadcasting. ∂a = g·b·aᵇ⁻¹ (0 where b = 0); ∂b = g·aᵇ·ln a (0 where a = 0
    /// and b ≥ 0), as PyTorch.
    /// </summary>
    public static Tensor Pow(Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(a.Shape, b.Shape);
        var ea = BroadcastCopy(a, shape);
        var eb = BroadcastCopy(b, shape);
        var y = Tensor.Empty(shape);
        Elementwise.Parallel(y.Size, (s, n) =>
        {
            ReadOnlySpan<float> av = ea.Span.Slice(s, n), bv = eb.Span.Slice(s, n);
            var d = y.Span.Slice(s, n);
            for (int i = 0; i < d.Length; i++) d[i] = MathF.Pow(av[i], bv[i]);
        });
        return Autograd.Record(y, "pow_tensor", (g, grads) =>
        {
            if (Gradients.Needs(a))
            {
                var ga = Tensor.Empty(shape);
                Elementwise.Parallel(ga.Size, (s, n) =>
                {
                    ReadOnlySpan<float> av = ea.Span.Slice(s, n), bv = eb.Span.Slice(s, n), gv = g.Span.Slice(s, n);
                    var d = ga.Span.Slice(s, n);
                    for (int i = 0; i < d.Length; i++) d[i] = bv[i] == 0f ? 0f : gv[i] * bv[i] * MathF.Pow(av[i], bv[i] - 1f);
                });
                grads.Take(a, ga);
            }
            if (Gradients.Needs(b))
            {
                var gb = Tensor.Empty(shape);
                Elementwise.Parallel(gb.Size, (s, n) =>
                {
                    ReadOnlySpan<float> av = ea.Span.Slice(s, n), bv = eb.Span.Slice(s, n), gv = g.Span.Slice(s, n), yv = y.Span.Slice(s, n);
                    var d = gb.Span.Slice(s, n);
                    for (int i = 0; i < d.Length; i++) d[i] = av[i] == 0f && bv[i] >= 0f ? 0f : gv[i] * yv[i] * MathF.Log(av[i]);
                });
                grads.Take(b, gb);
            }
        }, a, b);
    }

    // destination = xᵖ; common exponents take exact vectorised paths, the rest MathF.Pow (which handles
    // negative bases with integer exponents).
    private static void PowSpan(ReadOnlySpan<float> x, float p, Span<float> destination)
    {
        switch (p)
        {
            case 0f: destination[..x.Length].Fill(1f); break;
            case 1f: x.CopyTo(destination); break;
            case 2f: TensorPrimitives.Multiply(x, x, destination); break;
            case 3f:
                TensorPrimitives.Multiply(x, x, destination);
                TensorPrimitives.Multiply(destination, x, destination);
                break;
            case 0.5f: TensorPrimitives.Sqrt(x, destination); break;
            case -1f: TensorPrimitives.Reciprocal(x, destination); break;
            default:
                for (int i = 0; i < x.Length; i++) destination[i] = MathF.Pow(x[i], p);
                break;
        }
    }
}
