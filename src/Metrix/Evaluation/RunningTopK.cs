using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Metrix.Evaluation;

/// <summary>
/// The running top-k of a block of queries while gallery blocks stream past.
/// </summary>
/// <remarks>
/// Each query keeps a candidate buffer of <c>cap = max(2k, k + 64)</c> keys and a threshold t, the k-th
/// best similarity retained so far (−∞ until k candidates were seen). A similarity s enters the buffer only
/// when s &gt; t: the vectorised test rejects almost everything once t has settled. When the buffer is
/// full, a quickselect keeps the k best and t rises to the k-th. Gallery indices arrive in increasing
/// order, so a later candidate equal to t ranks below every retained one (lower index first) and the
/// strict test is exact. Memory: rows × cap × 8 bytes.
/// </remarks>
internal sealed class RunningTopK
{
    private readonly int _k;
    private readonly int _cap;
    private readonly ulong[] _keys;
    private readonly int[] _count;
    private readonly float[] _threshold;

    public RunningTopK(int rows, int k)
    {
        _k = k;
        _cap = Math.Max(2 * k, k + 64);
        _keys = new ulong[(long)rows * _cap];
        _count = new int[rows];
        _threshold = new float[rows];
    }

    /// <summary>The widest scan this processor runs natively.</summary>
    public static ScanWidth Best { get; } =
        Vector512.IsHardwareAccelerated ? ScanWidth.Vector512 :
        Vector256.IsHardwareAccelerated ? ScanWidth.Vector256 : ScanWidth.Scalar;

    /// <summary>Forgets every candidate of the first <paramref name="rows"/> rows.</summary>
    public void Reset(int rows)
    {
        _count.AsSpan(0, rows).Clear();
        _threshold.AsSpan(0, rows).Fill(float.NegativeInfinity);
    }

    /// <summary>Offers the similarities of query row <paramref name="row"/> to gallery items galleryStart + j.</summary>
    public void Scan(int row, ReadOnlySpan<float> similarities, int galleryStart, ScanWidth width)
    {
        int j = 0, n = similarities.Length;
        ref float s0 = ref MemoryMarshal.GetReference(similarities);
        if (width == ScanWidth.Vector512)
        {
            for (; j + 16 <= n; j += 16)
            {
                var v = Vector512.LoadUnsafe(ref s0, (nuint)j);
                ulong mask = Vector512.GreaterThan(v, Vector512.Create(_threshold[row])).ExtractMostSignificantBits();
                for (; mask != 0; mask &= mask - 1)
                {
                    int lane = BitOperations.TrailingZeroCount(mask);
                    Offer(row, Unsafe.Add(ref s0, j + lane), galleryStart + j + lane);
                }
            }
        }
        else if (width == ScanWidth.Vector256)
        {
            for (; j + 8 <= n; j += 8)
            {
                var v = Vector256.LoadUnsafe(ref s0, (nuint)j);
                uint mask = Vector256.GreaterThan(v, Vector256.Create(_threshold[row])).ExtractMostSignificantBits();
                for (; mask != 0; mask &= mask - 1)
                {
                    int lane = BitOperations.TrailingZeroCount(mask);
                    Offer(row, Unsafe.Add(ref s0, j + lane), galleryStart + j + lane);
                }
            }
        }
        for (; j < n; j++)
            if (similarities[j] > _threshold[row]) Offer(row, similarities[j], galleryStart + j);
    }

    /// <summary>
    /// Writes the k best of row <paramref name="row"/>, best first, and returns how many there were
    /// (fewer than k only when fewer than k similarities exceeded −∞, e.g. NaN inputs).
    /// </summary>
    public int Finish(int row, Span<int> indices, Span<float> similarities)
    {
        var keys = _keys.AsSpan(row * _cap, _count[row]);
        if (keys.Length > _k)
        {
            TopKSelect.Largest(keys, _k);
            keys = keys[.._k];
        }
        TopKSelect.SortDescending(keys);
        for (int i = 0; i < keys.Length; i++)
        {
            indices[i] = NeighbourKey.Index(keys[i]);
            similarities[i] = NeighbourKey.Similarity(keys[i]);
        }
        return keys.Length;
    }

    // A candidate that beat the (possibly stale) threshold: re-test, append, and prune when full.
    private void Offer(int row, float similarity, int index)
    {
        if (!(similarity > _threshold[row])) return;
        int count = _count[row];
        int start = row * _cap;
        _keys[start + count++] = NeighbourKey.Encode(similarity, index);
        if (count == _cap)
        {
            var keys = _keys.AsSpan(start, _cap);
            TopKSelect.Largest(keys, _k);
            count = _k;
            _threshold[row] = NeighbourKey.Similarity(keys[_k - 1]);
        }
        _count[row] = count;
    }
}
