namespace Metrix.Vision.Matlab;

/// <summary>A MATLAB cell array: each element is an array of any class, in column-major order.</summary>
public sealed class MatCellArray : MatArray
{
    internal MatCellArray(string name, int[] dimensions, MatArray[] cells)
        : base(name, MatClass.Cell, dimensions)
    {
        Cells = cells;
    }

    /// <summary>The elements in column-major order.</summary>
    public IReadOnlyList<MatArray> Cells { get; }

    /// <summary>Element <paramref name="index"/> (column-major).</summary>
    public MatArray this[int index] => Cells[index];
}
