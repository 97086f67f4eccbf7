namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Reorders the dimensions: output dimension i is input dimension <paramref name="dims"/>[i]
    /// (a copy into the new row-major order). ∂x = g permuted by the inverse.
    /// </summary>
    public static Tensor Permute(Tensor x, params int[] dims)
    {
        int rank = x.Rank;
        if (dims.Length != rank) throw new ArgumentException($"Permute needs {rank} dimensions for shape {Shapes.Format(x.Shape)}, got {dims.Length}");
        var perm = new int[rank];
        var seen = new bool[rank];
        for (int i = 0; i < rank; i++)
        {
            perm[i] = Shapes.NormalizeDim(dims[i], rank);
            if (seen[perm[i]]) throw new ArgumentException($"Permute: dimension {dims[i]} repeated in [{string.Join(", ", dims)}]");
            seen[perm[i]] = true;
        }
        var y = PermuteCopy(x, perm);
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[perm[i]] = i;
        return Autograd.Record(y, "permute", (g, grads) => grads.Take(x, PermuteCopy(g, inverse)), x);
    }

    /// <summary>Swaps dimensions <paramref name="dim0"/> and <paramref name="dim1"/>.</summary>
    public static Tensor Transpose(Tensor x, int dim0, int dim1)
    {
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        int a = Shapes.NormalizeDim(dim0, x.Rank), b = Shapes.NormalizeDim(dim1, x.Rank);
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(x, perm);
    }

    /// <summary>The transpose of a matrix [M, N] → [N, M].</summary>
    public static Tensor T(Tensor x)
    {
        if (x.Rank != 2) throw new ArgumentException($"T() needs a matrix, got shape {Shapes.Format(x.Shape)}");
        return Permute(x, 1, 0);
    }

    // y[i₀…] = x[i at positions perm]: walk the output in rows of its last dimension, gathering from x
    // with the stride of the input dimension that became last.
    private static Tensor PermuteCopy(Tensor x, int[] perm)
    {
        int rank = x.Rank;
        var inShape = x.Shape;
        var inStrides = Shapes.Strides(inShape);
        var outShape = new int[rank];
        var strides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            outShape[i] = inShape[perm[i]];
            strides[i] = inStrides[perm[i]];
        }
        var y = Tensor.Empty(outShape);
        if (rank == 0 || y.Size == 0)
        {
            x.Span.CopyTo(y.Span);
            return y;
        }
        int inner = outShape[^1], innerStride = strides[^1], rows = y.Size / inner;
        Workers.For(rows, Math.Max(1, Kernels.Elementwise.Grain / inner), (r0, r1) =>
        {
            var src = x.Span;
            var dst = y.Span;
            for (int r = r0; r < r1; r++)
            {
                int offset = 0, rem = r;
                for (int d = rank - 2; d >= 0; d--)
                {
                    offset += rem % outShape[d] * strides[d];
                    rem /= outShape[d];
                }
                var row = dst.Slice(r * inner, inner);
                if (innerStride == 1) src.Slice(offset, inner).CopyTo(row);
                else for (int j = 0; j < inner; j++, offset += innerStride) row[j] = src[offset];
            }
        });
        return y;
    }
}
