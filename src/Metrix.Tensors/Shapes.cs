namespace Metrix.Tensors;

/// <summary>Shape arithmetic: sizes, strides, broadcasting, dimension normalisation.</summary>
public static class Shapes
{
    /// <summary>Copies and checks a shape (no negative extents, element count fits in an int).</summary>
    public static int[] Validate(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative extent in shape {Format(shape)}");
            size *= d;
            if (size > Array.MaxLength) throw new ArgumentException($"shape {Format(shape)} has more than {Array.MaxLength} elements");
        }
        return shape.ToArray();
    }

    /// <summary>Number of elements of a shape.</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape) size *= d;
        return checked((int)size);
    }

    /// <summary>Row-major strides (in elements).</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /// <summary>Maps a possibly negative dimension index into [0, rank).</summary>
    public static int NormalizeDim(int dim, int rank)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} is out of range for rank {rank}");
        return d;
    }

    /// <summary>Flat offset of a multi-dimensional index.</summary>
    public static int Offset(ReadOnlySpan<int> shape, ReadOnlySpan<int> index)
    {
        if (index.Length != shape.Length) throw new ArgumentException($"index of rank {index.Length} for shape {Format(shape)}");
        int off = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            int ix = index[i] < 0 ? index[i] + shape[i] : index[i];
            if ((uint)ix >= (uint)shape[i]) throw new IndexOutOfRangeException($"index {index[i]} out of range for dimension {i} of {Format(shape)}");
            off = off * shape[i] + ix;
        }
        return off;
    }

    /// <summary>NumPy broadcasting of two shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"shapes {Format(a)} and {Format(b)} cannot be broadcast");
            r[i] = da == 1 ? db : da;
        }
        return r;
    }

    /// <summary>Whether two shapes are equal.</summary>
    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Shape formatted as [a, b, c].</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
