namespace Metrix.Tensors.Kernels;

/// <summary>
/// A tensor seen as [Outer, N, Inner] around one dimension: N is that dimension's extent, Outer the
/// product of the extents before it and Inner of those after. A "line" is one of the Outer·Inner
/// vectors of N elements along the dimension, with stride Inner.
/// </summary>
internal readonly record struct DimLayout(int Outer, int N, int Inner)
{
    /// <summary>The layout of <paramref name="shape"/> around <paramref name="dim"/> (already normalised).</summary>
    public static DimLayout Of(ReadOnlySpan<int> shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return new DimLayout(outer, shape[dim], inner);
    }

    /// <summary>Number of lines (Outer·Inner).</summary>
    public int Lines => Outer * Inner;

    /// <summary>Offset of the first element of line <paramref name="line"/>.</summary>
    public int LineStart(int line) => line / Inner * N * Inner + line % Inner;

    /// <summary>The shape with <paramref name="dim"/> reduced: removed, or kept with extent 1.</summary>
    public static int[] Reduced(ReadOnlySpan<int> shape, int dim, bool keepDim)
    {
        var list = new List<int>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
            if (i != dim) list.Add(shape[i]);
            else if (keepDim) list.Add(1);
        return [.. list];
    }

    /// <summary>Copies line <paramref name="line"/> of <paramref name="source"/> into <paramref name="destination"/> (N values).</summary>
    public void Gather(ReadOnlySpan<float> source, int line, Span<float> destination)
    {
        int at = LineStart(line);
        if (Inner == 1) source.Slice(at, N).CopyTo(destination);
        else for (int k = 0; k < N; k++, at += Inner) destination[k] = source[at];
    }

    /// <summary>Writes N values into line <paramref name="line"/> of <paramref name="destination"/>.</summary>
    public void Scatter(ReadOnlySpan<float> source, int line, Span<float> destination)
    {
        int at = LineStart(line);
        if (Inner == 1) source[..N].CopyTo(destination.Slice(at, N));
        else for (int k = 0; k < N; k++, at += Inner) destination[at] = source[k];
    }
}
