using System.Numerics;

namespace Metrix.Tensors;

/// <summary>
/// Recycles the pinned float arrays behind tensors, so a training step reuses the previous step's
/// activation memory instead of asking the garbage collector for gigabytes again.
/// </summary>
/// <remarks>
/// Requests are rounded up to a size class (multiples of 64 floats, then four classes per power of two,
/// so at most 25% is wasted). Arrays are pinned, which lets kernels keep raw pointers. Returned arrays
/// are kept while the pooled total stays under <see cref="Capacity"/>; beyond it they are left to the GC.
/// </remarks>
public static class BufferPool
{
    private static readonly object Gate = new();
    private static readonly Dictionary<int, Stack<float[]>> Free = [];
    private static long _pooledBytes;
    private static long _liveBytes;
    private static long _peakLiveBytes;

    /// <summary>Most bytes the pool keeps for reuse (default: half of the memory available to the process).</summary>
    public static long Capacity { get; set; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    /// <summary>Bytes currently handed out to tensors.</summary>
    public static long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Largest <see cref="LiveBytes"/> seen since the last <see cref="ResetPeak"/>.</summary>
    public static long PeakLiveBytes => Interlocked.Read(ref _peakLiveBytes);

    /// <summary>Bytes held for reuse.</summary>
    public static long PooledBytes => Interlocked.Read(ref _pooledBytes);

    /// <summary>Starts a new peak measurement.</summary>
    public static void ResetPeak() => Interlocked.Exchange(ref _peakLiveBytes, LiveBytes);

    /// <summary>The size class a request of <paramref name="count"/> floats is served from.</summary>
    public static int SizeClass(int count)
    {
        if (count <= 64) return 64;
        int top = 31 - BitOperations.LeadingZeroCount((uint)count); // 2^top <= count
        if (top < 8) return (count + 63) & ~63;
        long quarter = 1L << (top - 2);
        long c = (count + quarter - 1) / quarter * quarter;
        return (int)Math.Min(c, Array.MaxLength);
    }

    /// <summary>A pinned array of at least <paramref name="count"/> floats; the first <paramref name="count"/> are zero when asked.</summary>
    public static float[] Rent(int count, bool zero)
    {
        int cls = SizeClass(count);
        float[]? array = null;
        lock (Gate)
        {
            if (Free.TryGetValue(cls, out var stack) && stack.Count > 0)
            {
                array = stack.Pop();
                _pooledBytes -= (long)cls * sizeof(float);
            }
        }
        array ??= Allocate(cls);
        long live = Interlocked.Add(ref _liveBytes, (long)array.Length * sizeof(float));
        long peak;
        while (live > (peak = Interlocked.Read(ref _peakLiveBytes)) && Interlocked.CompareExchange(ref _peakLiveBytes, live, peak) != peak) { }
        if (zero) Array.Clear(array, 0, count);
        return array;
    }

    /// <summary>Gives an array back for reuse.</summary>
    public static void Return(float[] array)
    {
        Interlocked.Add(ref _liveBytes, -(long)array.Length * sizeof(float));
        long bytes = (long)array.Length * sizeof(float);
        lock (Gate)
        {
            if (_pooledBytes + bytes > Capacity) return;
            if (!Free.TryGetValue(array.Length, out var stack)) Free[array.Length] = stack = new Stack<float[]>();
            stack.Push(array);
            _pooledBytes += bytes;
        }
    }

    /// <summary>Drops every pooled array (they become garbage).</summary>
    public static void Trim()
    {
        lock (Gate)
        {
            Free.Clear();
            _pooledBytes = 0;
        }
    }

    private static float[] Allocate(int count)
    {
        try
        {
            return GC.AllocateUninitializedArray<float>(count, pinned: true);
        }
        catch (OutOfMemoryException)
        {
            Trim();
            GC.Collect();
            return GC.AllocateUninitializedArray<float>(count, pinned: true);
        }
    }
}
