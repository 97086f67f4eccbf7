using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>y = x·Wᵀ + b for x [N,in], weight [out,in], bias [out] or null. ∂x = g·W, ∂W = gᵀ·x, ∂b = Σₙ g.</summary>
    public static unsafe Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (x.Rank != 2 || weight.Rank != 2 || weight.Dim(1) != x.Dim(1))
            throw new ArgumentException($"Linear expects x [N,in] and weight [out,in]; got {Shapes.Format(x.Shape)} and {Shapes.Format(weight.Shape)}");
        int n = x.Dim(0), inF = x.Dim(1), outF = weight.Dim(0);
        if (bias is not null && bias.Size != outF) throw new ArgumentException($"Linear bias must have {outF} elements");
        var y = Tensor.Empty(n, outF);
        if (bias is not null)
            for (int i = 0; i < n; i++) bias.Span.CopyTo(y.Span.Slice(i * outF, outF));
        Gemm.Multiply(false, true, n, outF, inF, 1f, x.Pointer, inF, weight.Pointer, inF, bias is null ? 0f : 1f, y.Pointer, outF);
        return Autograd.Record(y, "linear", (g, grads) =>
        {
            if (Gradients.Needs(x))
            {
                var gx = grads.Slot(x, out bool fresh);
                Gemm.Multiply(false, false, n, inF, outF, 1f, g.Pointer, outF, weight.Pointer, inF, fresh ? 0f : 1f, gx.Pointer, inF);
            }
            if (Gradients.Needs(weight))
            {
                var gw = grads.Slot(weight, out bool fresh);
                Gemm.Multiply(true, false, outF, inF, n, 1f, g.Pointer, outF, x.Pointer, inF, fresh ? 0f : 1f, gw.Pointer, inF);
            }
            if (bias is not null && Gradients.Needs(bias))
            {
                var gb = grads.Slot(bias, out bool fresh);
                if (fresh) gb.Span.Clear();
                for (int i = 0; i < n; i++) TensorPrimitives.Add(gb.Span, g.Span.Slice(i * outF, outF), gb.Span);
            }
        }, bias is null ? [x, weight] : [x, weight, bias]);
    }
}
