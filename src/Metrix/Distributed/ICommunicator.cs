namespace Metrix.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, over a fixed group of <see cref="Size"/> processes
/// (ranks). Every rank calls every operation in the same order with the same sizes; each call returns when
/// this rank's part of the collective is complete. One process without a launcher is a group of one
/// (<see cref="SingleProcess"/>), for which every operation is the identity.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index in the group, 0 ≤ Rank &lt; Size; rank 0 writes the run directory.</summary>
    int Rank { get; }

    /// <summary>How many processes take part.</summary>
    int Size { get; }

    /// <summary>Sums <paramref name="data"/> element-wise over all ranks, in place, the same result on every rank.</summary>
    void AllReduceSum(Span<float> data);

    /// <summary>Sums <paramref name="data"/> element-wise over all ranks, in place, the same result on every rank.</summary>
    void AllReduceSum(Span<double> data);

    /// <summary>
    /// Starts summing <paramref name="data"/> element-wise over all ranks, in place, and returns at once (MPI_Iallreduce),
    /// so that the exchange can overlap other work; the buffer must not be read or written until the returned
    /// operation's <see cref="IPendingCollective.Wait"/>. The default implementation sums before returning.
    /// </summary>
    IPendingCollective BeginAllReduceSum(Memory<float> data)
    {
        AllReduceSum(data.Span);
        return CompletedCollective.Instance;
    }

    /// <summary>
    /// Concatenates every rank's <paramref name="send"/> in rank order into <paramref name="receive"/>;
    /// <paramref name="counts"/>[r] is the length rank r sends (the same array on every rank).
    /// </summary>
    void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts);

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> to every rank.</summary>
    void Broadcast(Span<byte> data, int root);

    /// <summary>Returns when every rank has reached it.</summary>
    void Barrier();

    /// <summary>Ends every rank of the group with <paramref name="exitCode"/> (a rank failed and the others must not wait).</summary>
    void Abort(int exitCode);
}
