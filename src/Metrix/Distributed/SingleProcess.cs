namespace Metrix.Distributed;

/// <summary>A group of one process: rank 0 of 1, every collective the identity.</summary>
public sealed class SingleProcess : ICommunicator
{
    /// <summary>The one instance.</summary>
    public static SingleProcess Instance { get; } = new();

    private SingleProcess() { }

    /// <inheritdoc/>
    public int Rank => 0;

    /// <inheritdoc/>
    public int Size => 1;

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> data) { }

    /// <inheritdoc/>
    public void AllReduceSum(Span<double> data) { }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts)
    {
        if (counts.Length != 1 || counts[0] != send.Length)
            throw new ArgumentException("a group of one gathers exactly what it sends", nameof(counts));
        send.CopyTo(receive);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> data, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);
    }

    /// <inheritdoc/>
    public void Barrier() { }

    /// <inheritdoc/>
    public void Abort(int exitCode) => Environment.Exit(exitCode);

    /// <inheritdoc/>
    public void Dispose() { }
}
