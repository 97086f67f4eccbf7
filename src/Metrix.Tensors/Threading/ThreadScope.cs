namespace Metrix.Tensors;

/// <summary>
/// The thread count of <see cref="Workers"/> for the calling flow (this thread and the tasks it starts) while the scope
/// is open: <c>using var threads = Workers.Use(2);</c>. Disposing restores the count it replaced; other flows, such
/// as test classes running in parallel, are not affected.
/// </summary>
public sealed class ThreadScope : IDisposable
{
    private readonly int _previous;
    private bool _disposed;

    /// <summary>Opens a scope of <paramref name="threads"/> threads (at least 1).</summary>
    public ThreadScope(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _previous = Workers.Exchange(threads);
    }

    /// <summary>Restores the thread count in force before the scope.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Workers.Exchange(_previous);
    }
}
