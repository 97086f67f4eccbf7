using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Elements <paramref name="start"/> … start + <paramref name="length"/> − 1 along <paramref name="dim"/>
    /// (a copy). ∂x = g in that range, 0 elsewhere.
    /// </summary>
    public static Tensor Narrow(Tensor x, int dim, int start, int length)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank);
        int extent = x.Shape[d];
        if (start < 0) start += extent;
        if (start < 0 || length < 0 || start + length > extent)
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: range [{start}, {start + length}) is outside dimension {dim} of extent {extent} in {Shapes.Format(x.Shape)}");
        var layout = DimLayout.Of(x.Shape, d);
        var shape = x.ShapeArray();
        shape[d] = length;
        var y = Tensor.Empty(shape);
        int block = length * layout.Inner, stride = extent * layout.Inner, skip = start * layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
            x.Span.Slice(o * stride + skip, block).CopyTo(y.Span.Slice(o * block, block));
        return Autograd.Record(y, "narrow", (g, grads) =>
        {
            var gx = grads.Slot(x);
            for (int o = 0; o < layout.Outer; o++)
                Elementwise.AddInPlace(gx.Span.Slice(o * stride + skip, block), g.Span.Slice(o * block, block));
        }, x);
    }

    /// <summary>Elements [start, end) along <paramref name="dim"/>, as x[..., start:end] (negative indices count from the end).</summary>
    public static Tensor Slice(Tensor x, int dim, int start, int end)
    {
        int extent = x.Dim(dim);
        if (start < 0) start += extent;
        if (end < 0) end += extent;
        start = Math.Clamp(start, 0, extent);
        end = Math.Clamp(end, start, extent);
        return Narrow(x, dim, start, end - start);
    }
}
