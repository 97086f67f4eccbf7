using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>Natural logarithm ln x (−∞ at 0, NaN below). ∂x = g / x.</summary>
    public static Tensor Log(Tensor x)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => TensorPrimitives.Log(x.Span.Slice(s, n), y.Span.Slice(s, n)));
        return Autograd.Record(y, "log", (g, grads) => grads.Take(x, Elementwise.Binary<DivOp>(g, x)), x);
    }
}
