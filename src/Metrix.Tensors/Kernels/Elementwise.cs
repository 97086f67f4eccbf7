using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>
/// The element-wise driver: every element-wise op runs its spans through here, in parallel chunks of
/// <see cref="Grain"/> over large inputs. Two kinds of operator plug in: span operators
/// (<see cref="IBinarySpanOperator"/>, with NumPy broadcasting) and operator structs with a scalar reference and
/// 256- and 512-bit vector forms (widest vectors first, then 256-bit, then the scalar reference for the remainder;
/// structs, so every call is inlined).
/// </summary>
public static class Elementwise
{
    /// <summary>Elements per parallel chunk: below this, threading costs more than it saves.</summary>
    public const int Grain = 1 << 15;

    /// <summary>destination += source.</summary>
    public static void AddInPlace(Span<float> destination, ReadOnlySpan<float> source) =>
        TensorPrimitives.Add(destination, source, destination);

    /// <summary>Sum of the values (vectorised, fixed order: deterministic).</summary>
    public static float Sum(ReadOnlySpan<float> x) => TensorPrimitives.Sum(x);

    /// <summary>Runs <paramref name="body"/>(start, length) over chunks of [0, count) in parallel.</summary>
    public static void Parallel(int count, Action<int, int> body) =>
        Workers.For(count, Grain, (s, e) => body(s, e - s));

    /// <summary>Applies <typeparamref name="TOp"/> with NumPy broadcasting; returns a new tensor.</summary>
    public static Tensor Binary<TOp>(Tensor a, Tensor b) where TOp : IBinarySpanOperator
    {
        var outShape = Shapes.Broadcast(a.Shape, b.Shape);
        var result = Tensor.Empty(outShape);
        Binary<TOp>(a, b, result);
        return result;
    }

    /// <summary>Applies <typeparamref name="TOp"/> with broadcasting into <paramref name="destination"/>.</summary>
    public static void Binary<TOp>(Tensor a, Tensor b, Tensor destination) where TOp : IBinarySpanOperator
    {
        int n = destination.Size;
        if (a.Size == n && b.Size == n)
        {
            Parallel(n, (s, len) => TOp.Apply(a.Span.Slice(s, len), b.Span.Slice(s, len), destination.Span.Slice(s, len)));
            return;
        }
        if (b.Size == 1 && a.Size == n)
        {
            float y = b.Span[0];
            Parallel(n, (s, len) => TOp.Apply(a.Span.Slice(s, len), y, destination.Span.Slice(s, len)));
            return;
        }
        if (a.Size == 1 && b.Size == n)
        {
            float x = a.Span[0];
            Parallel(n, (s, len) => TOp.Apply(x, b.Span.Slice(s, len), destination.Span.Slice(s, len)));
            return;
        }
        var plan = BroadcastPlan.Create(destination.Shape, a.Shape, b.Shape);
        Workers.For(plan.Rows, Math.Max(1, Grain / plan.Inner), (r0, r1) =>
        {
            var pa = a.Span;
            var pb = b.Span;
            var pd = destination.Span;
            for (int r = r0; r < r1; r++)
            {
                plan.Offsets(r, out int oa, out int ob);
                var d = pd.Slice(r * plan.Inner, plan.Inner);
                if (plan.InnerA && plan.InnerB) TOp.Apply(pa.Slice(oa, plan.Inner), pb.Slice(ob, plan.Inner), d);
                else if (plan.InnerA) TOp.Apply(pa.Slice(oa, plan.Inner), pb[ob], d);
                else if (plan.InnerB) TOp.Apply(pa[oa], pb.Slice(ob, plan.Inner), d);
                else d.Fill(Scalar<TOp>(pa[oa], pb[ob]));
            }
        });
    }

    private static float Scalar<TOp>(float x, float y) where TOp : IBinarySpanOperator
    {
        Span<float> d = stackalloc float[1];
        TOp.Apply(x, new ReadOnlySpan<float>(in y), d);
        return d[0];
    }

    /// <summary>destination[i] = op(x[i], y[i]).</summary>
    internal static void Binary<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TOp : struct, IBinaryOperator
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

    /// <summary>The scalar reference of <see cref="Binary{TOp}(TOp, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.</summary>
    internal static void BinaryScalar<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TOp : struct, IBinaryOperator
    {
        for (int i = 0; i < x.Length; i++) destination[i] = op.Invoke(x[i], y[i]);
    }

    /// <summary>A new tensor op(x, y) for same-size x and y (shaped like x), in parallel over large inputs.</summary>
    internal static Tensor Binary<TOp>(TOp op, Tensor x, Tensor y) where TOp : struct, IBinaryOperator
    {
        if (x.Size != y.Size) throw new ArgumentException($"element-wise kernel on {Shapes.Format(x.Shape)} and {Shapes.Format(y.Shape)}");
        var z = x.EmptyLike();
        Parallel(x.Size, (s, n) => Binary(op, x.Span.Slice(s, n), y.Span.Slice(s, n), z.Span.Slice(s, n)));
        return z;
    }

    /// <summary>
    /// Broadcast iteration over an output viewed as rows of its (coalesced) innermost dimension: for each
    /// row, the offsets of the two operands, and whether each operand varies along the row.
    /// </summary>
    private sealed class BroadcastPlan
    {
        private readonly int[] _outer;    // extents of the outer (coalesced) dimensions
        private readonly int[] _strideA;  // element strides of a along them (0 where broadcast)
        private readonly int[] _strideB;

        private BroadcastPlan(int[] outer, int[] sa, int[] sb, int inner, bool innerA, bool innerB)
        {
            _outer = outer;
            _strideA = sa;
            _strideB = sb;
            Inner = inner;
            InnerA = innerA;
            InnerB = innerB;
            Rows = Shapes.Size(outer);
        }

        public int Rows { get; }
        public int Inner { get; }
        public bool InnerA { get; }
        public bool InnerB { get; }

        public static BroadcastPlan Create(ReadOnlySpan<int> outShape, ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape)
        {
            int rank = outShape.Length;
            var ea = Expand(aShape, rank);
            var eb = Expand(bShape, rank);
            // Coalesce adjacent dimensions where each operand is either present in both or broadcast in both.
            var dims = new List<(int Extent, bool A, bool B)>();
            for (int i = 0; i < rank; i++)
            {
                if (outShape[i] == 1) continue;
                bool ia = ea[i] != 1, ib = eb[i] != 1;
                if (dims.Count > 0 && dims[^1].A == ia && dims[^1].B == ib)
                    dims[^1] = (dims[^1].Extent * outShape[i], ia, ib);
                else dims.Add((outShape[i], ia, ib));
            }
            if (dims.Count == 0) dims.Add((1, true, true));
            var last = dims[^1];
            int outerRank = dims.Count - 1;
            var outer = new int[outerRank];
            var sa = new int[outerRank];
            var sb = new int[outerRank];
            int accA = last.A ? last.Extent : 1, accB = last.B ? last.Extent : 1;
            for (int i = outerRank - 1; i >= 0; i--)
            {
                outer[i] = dims[i].Extent;
                sa[i] = dims[i].A ? accA : 0;
                sb[i] = dims[i].B ? accB : 0;
                if (dims[i].A) accA *= dims[i].Extent;
                if (dims[i].B) accB *= dims[i].Extent;
            }
            return new BroadcastPlan(outer, sa, sb, last.Extent, last.A, last.B);
        }

        public void Offsets(int row, out int offsetA, out int offsetB)
        {
            offsetA = 0;
            offsetB = 0;
            for (int i = _outer.Length - 1; i >= 0; i--)
            {
                int idx = row % _outer[i];
                row /= _outer[i];
                offsetA += idx * _strideA[i];
                offsetB += idx * _strideB[i];
            }
        }

        private static int[] Expand(ReadOnlySpan<int> shape, int rank)
        {
            var e = new int[rank];
            int lead = rank - shape.Length;
            for (int i = 0; i < rank; i++) e[i] = i < lead ? 1 : shape[i - lead];
            return e;
        }
    }
}
