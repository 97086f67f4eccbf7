using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Metrix.Tensors;

/// <summary>
/// A contiguous, row-major float32 tensor that can take part in automatic differentiation.
/// </summary>
/// <remarks>
/// Storage comes from <see cref="BufferPool"/>: pinned arrays, so kernels may hold raw pointers for the
/// lifetime of the tensor. A tensor created inside a <see cref="TensorScope"/> is released when the scope
/// ends unless it was <see cref="Keep">kept</see>; using a released tensor throws.
/// </remarks>
public sealed partial class Tensor : IDisposable
{
    private float[]? _buffer;
    private readonly int[] _shape;

    internal Tensor(int[] shape, bool zero, bool persistent = false)
    {
        _shape = shape;
        Size = Shapes.Size(shape);
        _buffer = BufferPool.Rent(Size, zero);
        if (!persistent) TensorScope.Track(this);
    }

    /// <summary>The extent of every dimension.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Size { get; }

    /// <summary>Extent of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int Dim(int dim) => _shape[Shapes.NormalizeDim(dim, Rank)];

    /// <summary>The elements, in row-major order.</summary>
    public Span<float> Span => Buffer.AsSpan(0, Size);

    /// <summary>A copy of the shape.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>The pinned backing array (may be longer than <see cref="Size"/>).</summary>
    internal float[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(Tensor),
        $"tensor {Shapes.Format(_shape)} was released (disposed, or its TensorScope ended); Keep() it to use it later");

    /// <summary>Pointer to the first element. Valid while the tensor is alive (storage is pinned).</summary>
    public unsafe float* Pointer => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Buffer));

    /// <summary>Whether the storage has been released.</summary>
    public bool IsDisposed => _buffer is null;

    /// <summary>Gradient accumulated by <see cref="Backward"/> for a leaf that requires it.</summary>
    public Tensor? Grad { get; set; }

    private bool _requiresGrad;

    /// <summary>
    /// Whether gradients flow to this tensor. Settable on leaves only; outputs of recorded operations
    /// require gradients when any input does.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn is not null && !value)
                throw new InvalidOperationException("RequiresGrad can only be cleared on a leaf tensor; use Detach()");
            _requiresGrad = value;
        }
    }

    /// <summary>The recorded operation that produced this tensor, or null for a leaf.</summary>
    internal Node? GradFn { get; set; }

    /// <summary>True when the tensor was not produced by a recorded operation.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Optional name, used in error messages and state dicts.</summary>
    public string? Name { get; set; }

    // ---- creation ----

    /// <summary>Uninitialised tensor of the given shape.</summary>
    public static Tensor Empty(params ReadOnlySpan<int> shape) => new(Shapes.Validate(shape), zero: false);

    /// <summary>Tensor filled with zeros.</summary>
    public static Tensor Zeros(params ReadOnlySpan<int> shape) => new(Shapes.Validate(shape), zero: true);

    /// <summary>Tensor filled with ones.</summary>
    public static Tensor Ones(params ReadOnlySpan<int> shape) => Full(1f, shape);

    /// <summary>Tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params ReadOnlySpan<int> shape)
    {
        var t = Empty(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A zero-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value) => Full(value, ReadOnlySpan<int>.Empty);

    /// <summary>Tensor with a copy of <paramref name="data"/>, whose length must match the shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, params ReadOnlySpan<int> shape)
    {
        var s = Shapes.Validate(shape);
        if (Shapes.Size(s) != data.Length)
            throw new ArgumentException($"{data.Length} values do not fill shape {Shapes.Format(s)}", nameof(data));
        var t = new Tensor(s, zero: false);
        data.CopyTo(t.Span);
        return t;
    }

    /// <summary>A one-dimensional tensor with a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(params float[] data) => FromArray(data, data.Length);

    /// <summary>Uninitialised tensor of the same shape as this one.</summary>
    public Tensor EmptyLike() => new(ShapeArray(), zero: false);

    /// <summary>Zero tensor of the same shape as this one.</summary>
    public Tensor ZerosLike() => new(ShapeArray(), zero: true);

    /// <summary>
    /// A tensor that outlives every <see cref="TensorScope"/>: parameters, gradients, optimiser state.
    /// </summary>
    public static Tensor Persistent(params ReadOnlySpan<int> shape) => new(Shapes.Validate(shape), zero: true, persistent: true);

    /// <summary>Removes this tensor from the current scope so it survives the scope's end.</summary>
    public Tensor Keep()
    {
        TensorScope.Untrack(this);
        return this;
    }

    // ---- values ----

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"Item() needs one element, tensor has shape {Shapes.Format(_shape)}");
        return Buffer[0];
    }

    /// <summary>A copy of the elements.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>Element at a multi-dimensional index (slow; for tests and inspection).</summary>
    [IndexerName("Element")]
    public float this[params ReadOnlySpan<int> index]
    {
        get => Buffer[Shapes.Offset(_shape, index)];
        set => Buffer[Shapes.Offset(_shape, index)] = value;
    }

    /// <summary>A new leaf tensor sharing no history with this one: a copy of the values.</summary>
    public Tensor Detach()
    {
        var t = EmptyLike();
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>Copies values from <paramref name="source"/>, which must have the same number of elements.</summary>
    public void CopyFrom(Tensor source)
    {
        if (source.Size != Size)
            throw new ArgumentException($"cannot copy {Shapes.Format(source._shape)} into {Shapes.Format(_shape)}");
        source.Span.CopyTo(Span);
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor.</summary>
    public Tensor RequireGrad(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>Clears the accumulated gradient.</summary>
    public void ZeroGrad() => Grad?.Span.Clear();

    /// <summary>Returns the storage to the pool. Further use throws.</summary>
    public void Dispose()
    {
        var b = _buffer;
        if (b is null) return;
        _buffer = null;
        BufferPool.Return(b);
    }

    /// <summary>Shape and the first values, for debugging.</summary>
    public override string ToString()
    {
        if (_buffer is null) return $"Tensor{Shapes.Format(_shape)} (released)";
        var sb = new StringBuilder($"Tensor{Shapes.Format(_shape)} [");
        int n = Math.Min(Size, 8);
        for (int i = 0; i < n; i++) sb.Append(i == 0 ? "" : ", ").Append(_buffer[i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
        if (Size > n) sb.Append(", …");
        return sb.Append(']').ToString();
    }
}
