using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Element-wise max(a, b) with broadcasting (NaN propagates). The gradient goes to the larger input;
    /// on ties each gets g/2, as PyTorch.
    /// </summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Extremum(a, b, max: true);

    /// <summary>Element-wise min(a, b) with broadcasting; gradient to the smaller input, g/2 each on ties.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Extremum(a, b, max: false);

    private static Tensor Extremum(Tensor a, Tensor b, bool max)
    {
        var y = max ? Elementwise.Binary<MaxOp>(a, b) : Elementwise.Binary<MinOp>(a, b);
        return Autograd.Record(y, max ? "maximum" : "minimum", (g, grads) =>
        {
            var shape = y.ShapeArray();
            var ea = BroadcastCopy(a, shape);
            var eb = BroadcastCopy(b, shape);
            // share = 1 where this input wins, ½ on a tie, 0 where it loses.
            Tensor Share(Tensor self, Tensor other)
            {
                var d = Tensor.Empty(shape);
                Elementwise.Parallel(d.Size, (s, n) =>
                {
                    ReadOnlySpan<float> x = self.Span.Slice(s, n), o = other.Span.Slice(s, n), gv = g.Span.Slice(s, n);
                    var dv = d.Span.Slice(s, n);
                    for (int i = 0; i < dv.Length; i++)
                        dv[i] = x[i] == o[i] ? 0.5f * gv[i] : (max ? x[i] > o[i] : x[i] < o[i]) ? gv[i] : 0f;
                });
                return d;
            }
            if (Gradients.Needs(a)) grads.Take(a, Share(ea, eb));
            if (Gradients.Needs(b)) grads.Take(b, Share(eb, ea));
        }, a, b);
    }

    internal readonly struct MaxOp : IBinarySpanOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Max(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(y, x, d);
    }

    internal readonly struct MinOp : IBinarySpanOperator
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(x, y, d);
        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Min(x, y, d);
        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(y, x, d);
    }
}
