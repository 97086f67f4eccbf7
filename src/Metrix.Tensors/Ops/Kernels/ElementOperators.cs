using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>y = f(x), as a scalar reference and its 256- and 512-bit vector forms.</summary>
internal interface IUnaryOperator
{
    float Invoke(float x);

    Vector256<float> Invoke(Vector256<float> x);

    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>z = f(x, y), as a scalar reference and its 256- and 512-bit vector forms.</summary>
internal interface IBinaryOperator
{
    float Invoke(float x, float y);

    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>
/// The one driver for element-wise operator structs: widest vectors first, then 256-bit, then the scalar
/// reference for the remainder. Operators are structs, so every call is inlined (no virtual dispatch).
/// </summary>
internal static class Map
{
    /// <summary>destination[i] = op(x[i]).</summary>
    public static void Unary<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> destination) where TOp : struct, IUnaryOperator
    {
        if (destination.Length < x.Length) throw new ArgumentException("destination is too short", nameof(destination));
        int n = x.Length, i = 0;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float d = ref MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = op.Invoke(Unsafe.Add(ref xs, i));
    }

    /// <summary>destination[i] = op(x[i], y[i]).</summary>
    public static void Binary<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TOp : struct, IBinaryOperator
    {
        if (y.Length != x.Length || destination.Length < x.Length) throw new ArgumentException("spans differ in length");
        int n = x.Length, i = 0;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float d = ref MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = op.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
    }

    /// <summary>The scalar reference of <see cref="Unary{TOp}(TOp, ReadOnlySpan{float}, Span{float})"/>.</summary>
    public static void UnaryScalar<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> destination) where TOp : struct, IUnaryOperator
    {
        for (int i = 0; i < x.Length; i++) destination[i] = op.Invoke(x[i]);
    }

    /// <summary>The scalar reference of <see cref="Binary{TOp}(TOp, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.</summary>
    public static void BinaryScalar<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TOp : struct, IBinaryOperator
    {
        for (int i = 0; i < x.Length; i++) destination[i] = op.Invoke(x[i], y[i]);
    }

    /// <summary>A new tensor op(x), in parallel over large inputs.</summary>
    public static Tensor Unary<TOp>(TOp op, Tensor x) where TOp : struct, IUnaryOperator
    {
        var y = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => Unary(op, x.Span.Slice(s, n), y.Span.Slice(s, n)));
        return y;
    }

    /// <summary>A new tensor op(x, y) for same-size x and y (shaped like x), in parallel over large inputs.</summary>
    public static Tensor Binary<TOp>(TOp op, Tensor x, Tensor y) where TOp : struct, IBinaryOperator
    {
        if (x.Size != y.Size) throw new ArgumentException($"element-wise kernel on {Shapes.Format(x.Shape)} and {Shapes.Format(y.Shape)}");
        var z = x.EmptyLike();
        Elementwise.Parallel(x.Size, (s, n) => Binary(op, x.Span.Slice(s, n), y.Span.Slice(s, n), z.Span.Slice(s, n)));
        return z;
    }
}
