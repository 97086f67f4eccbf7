namespace Metrix.Vision.Matlab;

/// <summary>
/// A MATLAB structure array (or object, which adds a <see cref="ClassName"/>): every element has the same
/// fields, each holding an array of any class. Elements are in column-major order.
/// </summary>
public sealed class MatStructArray : MatArray
{
    private readonly MatArray[] _values;
    private readonly Dictionary<string, int> _fieldIndex;

    internal MatStructArray(string name, MatClass matClass, int[] dimensions, string[] fieldNames, MatArray[] values, string? className)
        : base(name, matClass, dimensions)
    {
        FieldNames = fieldNames;
        _values = values;
        ClassName = className;
        _fieldIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int f = 0; f < fieldNames.Length; f++) _fieldIndex.TryAdd(fieldNames[f], f);
    }

    /// <summary>The field names in stored order.</summary>
    public IReadOnlyList<string> FieldNames { get; }

    /// <summary>The class name of an object, else null.</summary>
    public string? ClassName { get; }

    /// <summary>True when the structure has a field <paramref name="field"/>.</summary>
    public bool HasField(string field) => _fieldIndex.ContainsKey(field);

    /// <summary>Field <paramref name="field"/> of element <paramref name="index"/> (column-major).</summary>
    /// <exception cref="KeyNotFoundException">No such field; the message lists the fields.</exception>
    public MatArray this[int index, string field]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            if (!_fieldIndex.TryGetValue(field, out int f))
                throw new KeyNotFoundException($"{this} has no field '{field}' (fields: {string.Join(", ", FieldNames)})");
            return _values[index * FieldNames.Count + f];
        }
    }
}
