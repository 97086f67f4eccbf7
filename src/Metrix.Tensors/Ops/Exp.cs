using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>eˣ. ∂/∂x = g·eˣ (reuses the output).</summary>
    public static Tensor Exp(Tensor x)
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => TensorPrimitives.Exp(x.Span.Slice(s, n), y.Span.Slice(s, n)));
        return Autograd.Record(y, "exp", (g, grads) => grads.Take(x, Elementwise.Binary<MulOp>(g, y)), x);
    }
}
