using System.Diagnostics;

namespace Metrix.Tensors;

/// <summary>
/// Where a step's time goes, per recorded operation and output shape. The forward time of an operation is the
/// wall time since the previous operation was recorded on the thread (so glue code between operations counts
/// towards the next one); the backward time is its backward function's. Enabled while <see cref="Current"/> is set.
/// </summary>
public sealed class OpProfile
{
    [ThreadStatic] private static long _lastMark;
    private readonly Dictionary<(string Op, string Shape), (int Calls, long Forward, long Backward)> _entries = [];
    private readonly object _gate = new();

    /// <summary>The profile that recorded operations report to, or null (no profiling).</summary>
    public static OpProfile? Current { get; set; }

    /// <summary>Starts the forward clock on this thread (call at the start of a step).</summary>
    public static void Mark() => _lastMark = Stopwatch.GetTimestamp();

    internal void Forward(string op, ReadOnlySpan<int> shape)
    {
        long now = Stopwatch.GetTimestamp();
        long elapsed = _lastMark == 0 ? 0 : now - _lastMark;
        _lastMark = now;
        Add(op, Shapes.Format(shape), elapsed, 0, calls: 1);
    }

    internal void Backward(string op, ReadOnlySpan<int> shape, long ticks)
    {
        Add(op, Shapes.Format(shape), 0, ticks, calls: 0);
        _lastMark = Stopwatch.GetTimestamp();
    }

    private void Add(string op, string shape, long forward, long backward, int calls)
    {
        lock (_gate)
        {
            _entries.TryGetValue((op, shape), out var e);
            _entries[(op, shape)] = (e.Calls + calls, e.Forward + forward, e.Backward + backward);
        }
    }

    /// <summary>The entries, largest total time first.</summary>
    public IReadOnlyList<OpProfileEntry> Entries()
    {
        lock (_gate)
        {
            double ms = 1000.0 / Stopwatch.Frequency;
            return _entries.Select(kv => new OpProfileEntry(kv.Key.Op, kv.Key.Shape, kv.Value.Calls, kv.Value.Forward * ms, kv.Value.Backward * ms))
                .OrderByDescending(e => e.ForwardMs + e.BackwardMs).ToList();
        }
    }
}
