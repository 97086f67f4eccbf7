using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>Σ of all elements, as a zero-dimensional tensor. ∂/∂x = g broadcast to x's shape.</summary>
    public static Tensor Sum(Tensor x)
    {
        var y = Tensor.Scalar(Elementwise.Sum(x.Span));
        return Autograd.Record(y, "sum", (g, grads) =>
        {
            if (Gradients.Needs(x)) grads.Take(x, Tensor.Full(g.Item(), x.Shape));
        }, x);
    }
}
