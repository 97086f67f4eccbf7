namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// x broadcast to <paramref name="shape"/> (NumPy rules; −1 keeps an extent), copied. ∂x = g summed
    /// over the broadcast dimensions.
    /// </summary>
    public static Tensor Expand(Tensor x, params int[] shape)
    {
        var target = (int[])shape.Clone();
        int lead = target.Length - x.Rank;
        if (lead < 0) throw new ArgumentException($"Expand: cannot broadcast {Shapes.Format(x.Shape)} to fewer dimensions {Shapes.Format(shape)}");
        for (int i = 0; i < target.Length; i++)
            if (target[i] == -1)
            {
                if (i < lead) throw new ArgumentException($"Expand: −1 is not allowed for a new leading dimension in {Shapes.Format(shape)}");
                target[i] = x.Shape[i - lead];
            }
        for (int i = lead; i < target.Length; i++)
            if (x.Shape[i - lead] != 1 && x.Shape[i - lead] != target[i])
                throw new ArgumentException($"Expand: cannot broadcast {Shapes.Format(x.Shape)} to {Shapes.Format(shape)}");
        var y = BroadcastCopy(x, target);
        return Autograd.Record(y, "expand", (g, grads) => grads.Add(x, g), x);
    }

    /// <summary>x copied to the broadcast shape <paramref name="shape"/> (no autograd).</summary>
    internal static Tensor BroadcastCopy(Tensor x, int[] shape)
    {
        var y = Tensor.Empty(shape);
        if (y.Size == 0) return y;
        if (x.Size == y.Size)
        {
            x.Span.CopyTo(y.Span);
            return y;
        }
        int rank = shape.Length, lead = rank - x.Rank;
        var xStrides = Shapes.Strides(x.Shape);
        var strides = new int[rank];
        for (int i = lead; i < rank; i++) strides[i] = x.Shape[i - lead] == 1 ? 0 : xStrides[i - lead];
        int inner = shape[^1], rows = y.Size / inner;
        bool innerVaries = strides[^1] != 0;
        var src = x.Span;
        var dst = y.Span;
        for (int r = 0; r < rows; r++)
        {
            int offset = 0, rem = r;
            for (int d = rank - 2; d >= 0; d--)
            {
                offset += rem % shape[d] * strides[d];
                rem /= shape[d];
            }
            var row = dst.Slice(r * inner, inner);
            if (innerVaries) src.Slice(offset, inner).CopyTo(row);
            else row.Fill(src[offset]);
        }
        return y;
    }
}
