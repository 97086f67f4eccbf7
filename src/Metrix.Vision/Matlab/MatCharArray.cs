namespace Metrix.Vision.Matlab;

/// <summary>
/// A MATLAB character array. MATLAB characters are UTF-16 code units; <see cref="Text"/> holds them in
/// column-major order, and <see cref="Rows"/> reads an M×N array as M strings of N characters.
/// </summary>
public sealed class MatCharArray : MatArray
{
    internal MatCharArray(string name, int[] dimensions, string text)
        : base(name, MatClass.Char, dimensions)
    {
        Text = text;
    }

    /// <summary>All characters in column-major order; for a 1×N array, the string itself.</summary>
    public string Text { get; }

    /// <summary>The rows (the first dimension) of the array, each the characters along the remaining dimensions.</summary>
    public IReadOnlyList<string> Rows
    {
        get
        {
            int rows = Dimensions[0];
            if (rows == 0) return [];
            int columns = Count / rows;
            var result = new string[rows];
            var line = new char[columns];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++) line[c] = Text[r + rows * c];
                result[r] = new string(line);
            }
            return result;
        }
    }

    /// <summary>The string of an array with at most one row (1×N, or empty).</summary>
    /// <exception cref="InvalidDataException">The array has several rows.</exception>
    public string AsString() => Dimensions[0] <= 1 || Count == 0
        ? Text
        : throw new InvalidDataException($"{this}: expected a single string, found {Dimensions[0]} rows");

    /// <inheritdoc/>
    public override string ToString() => base.ToString() + (Count <= 40 ? $" '{Text}'" : "");
}
