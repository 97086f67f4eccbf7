namespace Metrix.Tensors;

/// <summary>Shape changes that keep the row-major order of the values (they copy: tensors are contiguous).</summary>
public static partial class Ops
{
    /// <summary>The same values with a new shape (one dimension may be −1). ∂x = g reshaped back.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var resolved = ResolveShape(x, shape);
        var y = Tensor.FromArray(x.Span, resolved);
        var inShape = x.ShapeArray();
        return Autograd.Record(y, "reshape", (g, grads) => grads.Take(x, Tensor.FromArray(g.Span, inShape)), x);
    }

    /// <summary>Same as <see cref="Reshape"/> (a copy: tensors here are always contiguous).</summary>
    public static Tensor View(Tensor x, params int[] shape) => Reshape(x, shape);

    /// <summary>
    /// Merges dimensions <paramref name="startDim"/>..<paramref name="endDim"/> (inclusive, negative
    /// counts from the end) into one, as torch.flatten.
    /// </summary>
    public static Tensor Flatten(Tensor x, int startDim = 0, int endDim = -1)
    {
        if (x.Rank == 0) return Reshape(x, 1);
        int s = Shapes.NormalizeDim(startDim, x.Rank), e = Shapes.NormalizeDim(endDim, x.Rank);
        if (s > e) throw new ArgumentException($"Flatten: start dimension {startDim} comes after end dimension {endDim} for shape {Shapes.Format(x.Shape)}");
        var shape = new List<int>();
        int merged = 1;
        for (int i = 0; i < x.Rank; i++)
        {
            if (i < s || i > e) shape.Add(x.Shape[i]);
            else
            {
                merged *= x.Shape[i];
                if (i == e) shape.Add(merged);
            }
        }
        return Reshape(x, [.. shape]);
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its extent is 1 (otherwise returns an unchanged copy, as PyTorch).</summary>
    public static Tensor Squeeze(Tensor x, int dim)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank);
        var shape = x.ShapeArray().ToList();
        if (shape[d] == 1) shape.RemoveAt(d);
        return Reshape(x, [.. shape]);
    }

    /// <summary>Removes every dimension of extent 1.</summary>
    public static Tensor Squeeze(Tensor x) => Reshape(x, [.. x.ShapeArray().Where(e => e != 1)]);

    /// <summary>Inserts a dimension of extent 1 at <paramref name="dim"/> (in [−rank−1, rank]).</summary>
    public static Tensor Unsqueeze(Tensor x, int dim)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank + 1);
        var shape = x.ShapeArray().ToList();
        shape.Insert(d, 1);
        return Reshape(x, [.. shape]);
    }

    private static int[] ResolveShape(Tensor x, int[] shape)
    {
        var resolved = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"cannot reshape {Shapes.Format(x.Shape)} to {Shapes.Format(shape)}: only one dimension can be −1");
                infer = i;
            }
            else if (resolved[i] < 0) throw new ArgumentException($"cannot reshape {Shapes.Format(x.Shape)} to {Shapes.Format(shape)}: negative extent");
            else known *= resolved[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || x.Size % known != 0)
                throw new ArgumentException($"cannot reshape {Shapes.Format(x.Shape)} ({x.Size} elements) to {Shapes.Format(shape)}");
            resolved[infer] = (int)(x.Size / known);
        }
        else if (known != x.Size) throw new ArgumentException($"cannot reshape {Shapes.Format(x.Shape)} ({x.Size} elements) to {Shapes.Format(shape)}");
        return resolved;
    }
}
