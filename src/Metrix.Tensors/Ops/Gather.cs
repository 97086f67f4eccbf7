using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.gather along <paramref name="dim"/>: with x seen as [Outer, N, Inner] and
    /// <paramref name="index"/> as [Outer, K, Inner] (K inferred from its length),
    /// y[o, k, j] = x[o, index[o, k, j], j]; y has x's shape with extent K at dim. ∂x is the scatter-add
    /// of g (repeated indices accumulate). Picking one entry per row of [B, C]: Gather(x, 1, labels).
    /// </summary>
    public static Tensor Gather(Tensor x, int dim, ReadOnlySpan<int> index)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank);
        var l = DimLayout.Of(x.Shape, d);
        int lines = l.Outer * l.Inner;
        if (lines == 0 || index.Length % lines != 0)
            throw new ArgumentException($"Gather: {index.Length} indices do not form [{l.Outer}, K, {l.Inner}] for dimension {dim} of {Shapes.Format(x.Shape)}");
        int k = index.Length / lines;
        var idx = index.ToArray();
        foreach (int i in idx)
            if ((uint)i >= (uint)l.N)
                throw new IndexOutOfRangeException($"Gather: index {i} is out of range for dimension {dim} of extent {l.N} in {Shapes.Format(x.Shape)}");
        var shape = x.ShapeArray();
        shape[d] = k;
        var y = Tensor.Empty(shape);
        // flat output position p = (o·K + kk)·Inner + j reads x[(o·N + index[p])·Inner + j]
        int Source(int p) => (p / (k * l.Inner) * l.N + idx[p]) * l.Inner + p % l.Inner;
        var xs = x.Span;
        var ys = y.Span;
        for (int p = 0; p < idx.Length; p++) ys[p] = xs[Source(p)];
        return Autograd.Record(y, "gather", (g, grads) =>
        {
            var gx = grads.Slot(x);
            var dst = gx.Span;
            var gs = g.Span;
            for (int p = 0; p < idx.Length; p++) dst[Source(p)] += gs[p];
        }, x);
    }
}
