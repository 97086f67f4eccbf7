namespace Metrix.Vision.Matlab;

/// <summary>
/// A numeric or logical MATLAB array. <see cref="Real"/> (and <see cref="Imaginary"/> when complex) hold
/// the values in column-major order as the .NET type of the class: <c>double[]</c> for double,
/// <c>float[]</c> for single, <c>sbyte[]</c> … <c>ulong[]</c> for int8 … uint64; a logical array is
/// uint8 with <see cref="IsLogical"/> set. Values stored in a smaller type (MATLAB writes small whole
/// doubles as uint8, for instance) are already converted to the class.
/// </summary>
public sealed class MatNumericArray : MatArray
{
    internal MatNumericArray(string name, MatClass matClass, int[] dimensions, Array real, Array? imaginary, bool logical)
        : base(name, matClass, dimensions)
    {
        Real = real;
        Imaginary = imaginary;
        IsLogical = logical;
    }

    /// <summary>The real parts in column-major order (an array of the class's .NET type).</summary>
    public Array Real { get; }

    /// <summary>The imaginary parts of a complex array, else null.</summary>
    public Array? Imaginary { get; }

    /// <summary>True for a complex array.</summary>
    public bool IsComplex => Imaginary is not null;

    /// <summary>True for a logical array (class uint8, values 0 or 1).</summary>
    public bool IsLogical { get; }

    /// <summary>The real parts as <typeparamref name="T"/>[], which must be the class's .NET type.</summary>
    public T[] Values<T>() => Real.GetType() == typeof(T[])
        ? (T[])Real
        : throw new InvalidCastException($"{this} holds {Real.GetType().GetElementType()!.Name} values, not {typeof(T).Name}");

    /// <summary>The real parts converted to double (64-bit integers beyond 2^53 are rounded).</summary>
    public double[] ToDoubles()
    {
        var result = new double[Count];
        for (int i = 0; i < result.Length; i++) result[i] = Convert.ToDouble(Real.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }

    /// <summary>Element <paramref name="index"/> as a whole number.</summary>
    /// <exception cref="InvalidDataException">The value is not a whole number that fits a long.</exception>
    public long GetInt64(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        // By class, not by array type: the runtime lets a long[] pass for a ulong[] (and int[] for uint[]).
        return Class switch
        {
            MatClass.Double => WholeNumber(((double[])Real)[index]),
            MatClass.Single => WholeNumber(((float[])Real)[index]),
            MatClass.UInt64 => ((ulong[])Real)[index] is var u && u <= long.MaxValue
                ? (long)u
                : throw new InvalidDataException($"{this}: value {((ulong[])Real)[index]} does not fit a 64-bit signed integer"),
            _ => Convert.ToInt64(Real.GetValue(index), System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The one element of a 1×1 array as a whole number.</summary>
    /// <exception cref="InvalidDataException">The array does not hold exactly one whole number.</exception>
    public long ScalarInt64() => Count == 1 ? GetInt64(0) : throw new InvalidDataException($"{this}: expected a single number");

    private long WholeNumber(double value) =>
        value == Math.Floor(value) && value >= long.MinValue && value < 9.2233720368547758E18
            ? (long)value
            : throw new InvalidDataException($"{this}: value {value} is not a whole number");
}
