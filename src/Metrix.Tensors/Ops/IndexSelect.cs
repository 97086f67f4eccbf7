using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Entries <paramref name="indices"/> along <paramref name="dim"/>, as torch.index_select:
    /// y[…, i, …] = x[…, indices[i], …]. ∂x is the scatter-add of g: repeated indices accumulate.
    /// </summary>
    public static Tensor IndexSelect(Tensor x, int dim, ReadOnlySpan<int> indices)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank);
        var layout = DimLayout.Of(x.Shape, d);
        var idx = indices.ToArray();
        foreach (int i in idx)
            if ((uint)i >= (uint)layout.N)
                throw new IndexOutOfRangeException($"IndexSelect: index {i} is out of range for dimension {dim} of extent {layout.N} in {Shapes.Format(x.Shape)}");
        var shape = x.ShapeArray();
        shape[d] = idx.Length;
        var y = Tensor.Empty(shape);
        // x [Outer, N, Inner] → y [Outer, K, Inner]; K = indices.Length
        int inner = layout.Inner, k = idx.Length;
        Workers.For(layout.Outer * k, Math.Max(1, Elementwise.Grain / Math.Max(1, inner)), (r0, r1) =>
        {
            var src = x.Span;
            var dst = y.Span;
            for (int r = r0; r < r1; r++)
            {
                int o = r / k, i = r % k;
                src.Slice((o * layout.N + idx[i]) * inner, inner).CopyTo(dst.Slice(r * inner, inner));
            }
        });
        return Autograd.Record(y, "index_select", (g, grads) =>
        {
            // Sequential scatter-add: rows with the same index are summed in order (deterministic).
            var gx = grads.Slot(x);
            var dst = gx.Span;
            var src = g.Span;
            for (int r = 0; r < layout.Outer * k; r++)
            {
                int o = r / k, i = r % k;
                Elementwise.AddInPlace(dst.Slice((o * layout.N + idx[i]) * inner, inner), src.Slice(r * inner, inner));
            }
        }, x);
    }

    /// <summary>Rows of <paramref name="x"/> (dimension 0) in the order of <paramref name="indices"/>.</summary>
    public static Tensor IndexSelect(Tensor x, ReadOnlySpan<int> indices) => IndexSelect(x, 0, indices);
}
