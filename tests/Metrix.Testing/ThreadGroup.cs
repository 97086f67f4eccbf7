using Metrix.Distributed;
using Metrix.Tensors;

namespace Metrix.Testing;

/// <summary>
/// A test double of a data-parallel group: <see cref="Size"/> ranks on threads of one process, each with its own
/// <see cref="ICommunicator"/>, so that several training steps run concurrently in one test. Every collective
/// posts each rank's data, waits for all ranks, and computes the result in rank order (sums added rank 0 first),
/// the same on every rank. Not a transport: it exists to test what runs over one.
/// </summary>
public sealed class ThreadGroup
{
    private readonly Barrier _barrier;
    private readonly object?[] _posted;
    private readonly CancellationTokenSource _abort = new();

    /// <summary>A group of <paramref name="size"/> ranks.</summary>
    public ThreadGroup(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _barrier = new Barrier(size);
        _posted = new object?[size];
    }

    /// <summary>Number of ranks.</summary>
    public int Size { get; }

    /// <summary>Collectives every rank has completed (summed over ranks), to check that work was exchanged.</summary>
    public int Collectives => Volatile.Read(ref _collectives);

    private int _collectives;

    /// <summary>
    /// Runs <paramref name="body"/> on every rank, each on its own thread with <paramref name="threadsPerRank"/>
    /// compute threads (<see cref="Workers.Use"/>), and returns the results in rank order. When a rank throws, the others
    /// are released from their collectives and the first failure is rethrown.
    /// </summary>
    public T[] Run<T>(Func<ICommunicator, T> body, int threadsPerRank = 1)
    {
        var results = new T[Size];
        var failures = new Exception?[Size];
        var threads = new Thread[Size];
        for (int r = 0; r < Size; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try
                {
                    using var scope = Workers.Use(threadsPerRank);
                    results[rank] = body(new Member(this, rank));
                }
                catch (Exception e)
                {
                    failures[rank] = e;
                    _abort.Cancel();
                }
            }, 16 << 20)
            { IsBackground = true, Name = $"rank {rank}" };
            threads[r].Start();
        }
        foreach (var t in threads) t.Join();
        var first = failures.FirstOrDefault(f => f is not null and not OperationCanceledException) ?? failures.FirstOrDefault(f => f is not null);
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        return results;
    }

    /// <summary>Posts <paramref name="data"/> for rank <paramref name="rank"/>, waits for all, runs <paramref name="read"/> over every rank's data, waits again.</summary>
    private void Exchange(int rank, object data, Action<object?[]> read)
    {
        _posted[rank] = data;
        _barrier.SignalAndWait(_abort.Token);
        read(_posted);
        _barrier.SignalAndWait(_abort.Token);
        Interlocked.Increment(ref _collectives);
    }

    private sealed class Member(ThreadGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;

        public int Size => group.Size;

        public void AllReduceSum(Span<float> data)
        {
            float[] mine = data.ToArray(), result = new float[data.Length];
            group.Exchange(rank, mine, all =>
            {
                ((float[])all[0]!).CopyTo(result, 0);
                for (int r = 1; r < all.Length; r++)
                {
                    var other = (float[])all[r]!;
                    for (int i = 0; i < result.Length; i++) result[i] += other[i];
                }
            });
            result.CopyTo(data);
        }

        public void AllReduceSum(Span<double> data)
        {
            double[] mine = data.ToArray(), result = new double[data.Length];
            group.Exchange(rank, mine, all =>
            {
                ((double[])all[0]!).CopyTo(result, 0);
                for (int r = 1; r < all.Length; r++)
                {
                    var other = (double[])all[r]!;
                    for (int i = 0; i < result.Length; i++) result[i] += other[i];
                }
            });
            result.CopyTo(data);
        }

        public void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts)
        {
            if (counts.Length != Size || counts[rank] != send.Length)
                throw new ArgumentException($"rank {rank}: counts must have {Size} entries and counts[{rank}] = {send.Length}", nameof(counts));
            var expected = counts.ToArray();
            var result = new float[receive.Length];
            group.Exchange(rank, send.ToArray(), all =>
            {
                int offset = 0;
                for (int r = 0; r < all.Length; r++)
                {
                    var part = (float[])all[r]!;
                    if (part.Length != expected[r]) throw new InvalidOperationException($"rank {r} sent {part.Length} values; rank {rank} expected {expected[r]}");
                    part.CopyTo(result, offset);
                    offset += part.Length;
                }
                if (offset != result.Length) throw new ArgumentException($"the gather holds {offset} values, the receive buffer {result.Length}");
            });
            result.CopyTo(receive);
        }

        public void Broadcast(Span<byte> data, int root)
        {
            var result = new byte[data.Length];
            group.Exchange(rank, data.ToArray(), all => ((byte[])all[root]!).CopyTo(result, 0));
            result.CopyTo(data);
        }

        public void Barrier() => group.Exchange(rank, Array.Empty<byte>(), _ => { });

        public void Abort(int exitCode)
        {
            group._abort.Cancel();
            throw new OperationCanceledException($"rank {rank} aborted the group with exit code {exitCode}");
        }

        public void Dispose() { }
    }
}
