using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Joins tensors along <paramref name="dim"/>; all other extents must agree (torch.cat).
    /// ∂xᵢ = the slice of g that came from xᵢ.
    /// </summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Concat needs at least one tensor");
        var first = tensors[0];
        int d = Shapes.NormalizeDim(dim, first.Rank);
        int total = 0;
        foreach (var t in tensors)
        {
            bool ok = t.Rank == first.Rank;
            for (int i = 0; ok && i < t.Rank; i++) ok = i == d || t.Shape[i] == first.Shape[i];
            if (!ok) throw new ArgumentException($"Concat along dimension {dim}: shape {Shapes.Format(t.Shape)} does not match {Shapes.Format(first.Shape)}");
            total += t.Shape[d];
        }
        var shape = first.ShapeArray();
        shape[d] = total;
        var y = Tensor.Empty(shape);
        var layout = DimLayout.Of(shape, d);
        // y [Outer, Total, Inner]; input i fills columns [start_i, start_i + N_i) of the middle dimension.
        int start = 0;
        var starts = new int[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            starts[i] = start;
            int block = tensors[i].Shape[d] * layout.Inner;
            var src = tensors[i].Span;
            var dst = y.Span;
            for (int o = 0; o < layout.Outer; o++)
                src.Slice(o * block, block).CopyTo(dst.Slice((o * total + start) * layout.Inner, block));
            start += tensors[i].Shape[d];
        }
        var inputs = tensors.ToArray();
        return Autograd.Record(y, "concat", (g, grads) =>
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                if (!Gradients.Needs(inputs[i])) continue;
                var gx = grads.Slot(inputs[i], out bool fresh);
                int block = inputs[i].Shape[d] * layout.Inner;
                for (int o = 0; o < layout.Outer; o++)
                {
                    var part = g.Span.Slice((o * total + starts[i]) * layout.Inner, block);
                    var dst = gx.Span.Slice(o * block, block);
                    if (fresh) part.CopyTo(dst);
                    else Elementwise.AddInPlace(dst, part);
                }
            }
        }, inputs);
    }

    /// <summary>Joins equally shaped tensors along a new dimension <paramref name="dim"/> (torch.stack).</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack needs at least one tensor");
        foreach (var t in tensors)
            if (!Shapes.Equal(t.Shape, tensors[0].Shape))
                throw new ArgumentException($"Stack: shape {Shapes.Format(t.Shape)} differs from {Shapes.Format(tensors[0].Shape)}");
        int d = Shapes.NormalizeDim(dim, tensors[0].Rank + 1);
        return Concat(tensors.Select(t => Unsqueeze(t, d)).ToArray(), d);
    }
}
