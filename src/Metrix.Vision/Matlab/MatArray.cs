namespace Metrix.Vision.Matlab;

/// <summary>
/// A MATLAB array read from a MAT-file: its name (empty inside cells and structures), class and
/// dimensions. Elements are in MATLAB's column-major order (the first dimension varies fastest).
/// </summary>
public abstract class MatArray
{
    /// <summary>An array called <paramref name="name"/> of class <paramref name="matClass"/> with <paramref name="dimensions"/>.</summary>
    private protected MatArray(string name, MatClass matClass, int[] dimensions)
    {
        Name = name;
        Class = matClass;
        Dimensions = dimensions;
        long count = 1;
        foreach (int d in dimensions) count *= d;
        Count = checked((int)count);
    }

    /// <summary>The variable name (empty for an element of a cell or a structure field).</summary>
    public string Name { get; }

    /// <summary>The MATLAB class.</summary>
    public MatClass Class { get; }

    /// <summary>The dimensions (at least two, as MATLAB stores them).</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>Number of elements (the product of the dimensions).</summary>
    public int Count { get; }

    /// <summary>The dimensions written as MATLAB shows them, e.g. <c>1x16185</c>.</summary>
    public string Size => string.Join('x', Dimensions);

    /// <summary>A short description such as <c>annotations: 1x16185 struct</c>.</summary>
    public override string ToString() => $"{(Name.Length > 0 ? Name + ": " : "")}{Size} {Class.ToString().ToLowerInvariant()}";
}
