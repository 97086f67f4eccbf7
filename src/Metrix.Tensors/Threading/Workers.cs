namespace Metrix.Tensors;

/// <summary>
/// Fork-join parallel loops on a fixed set of worker threads.
/// </summary>
/// <remarks>
/// A range is split into contiguous chunks that depend only on its length and <see cref="Threads"/>,
/// so a computation is deterministic for a given thread count. Calls made from inside a parallel body,
/// or while another thread owns the workers, run their chunks on the calling thread.
/// </remarks>
public static class Workers
{
    private static readonly object Gate = new();
    private static readonly int DefaultThreadCount = DefaultThreads();
    private static readonly AsyncLocal<int> ScopedThreads = new();
    private static readonly Dictionary<int, Pool> Pools = [];
    [ThreadStatic] private static bool _inBody;
    [ThreadStatic] private static int _bodyThreads;

    /// <summary>
    /// Threads used by parallel kernels here: inside a parallel body, the count of the loop that runs it; otherwise the
    /// innermost <see cref="ThreadScope"/> of the calling flow, else the processor count (or METRIX_THREADS).
    /// </summary>
    public static int Threads
    {
        get
        {
            if (_inBody && _bodyThreads > 0) return _bodyThreads;
            int scoped = ScopedThreads.Value;
            return scoped > 0 ? scoped : DefaultThreadCount;
        }
    }

    /// <summary>
    /// Runs the parallel kernels of the calling flow (this thread and the tasks it starts) on <paramref name="threads"/>
    /// threads until the returned scope is disposed; scopes nest, and other flows keep their own count.
    /// </summary>
    public static ThreadScope Use(int threads) => new(threads);

    /// <summary>
    /// Runs the parallel kernels of the rest of the calling flow on <paramref name="threads"/> threads, with no scope
    /// to end: for a command that sets the count once before its work.
    /// </summary>
    public static void UseForFlow(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ScopedThreads.Value = threads;
    }

    /// <summary>Sets the calling flow's count and returns the one it replaces (0: none was set); for <see cref="ThreadScope"/>.</summary>
    internal static int Exchange(int threads)
    {
        int previous = ScopedThreads.Value;
        ScopedThreads.Value = threads;
        return previous;
    }

    /// <summary>
    /// Chunks per thread of a parallel range (default 4; 1 thread always runs one chunk). More chunks than threads
    /// let the threads that are running take over the work of one that the operating system has paused (other
    /// processes share the cores), instead of waiting for it; chunk boundaries still depend only on the range and
    /// the thread count, so results stay deterministic.
    /// </summary>
    public static int ChunksPerThread
    {
        get => _chunksPerThread;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _chunksPerThread = value;
        }
    }

    private static int _chunksPerThread = 4;

    /// <summary>Number of chunks a range of <paramref name="count"/> items splits into (at least <paramref name="grain"/> items each).</summary>
    public static int ChunkCount(long count, long grain = 1)
    {
        if (count <= 0) return 0;
        long byGrain = Math.Max(1, count / Math.Max(1, grain));
        int threads = Threads;
        return (int)Math.Min(threads == 1 ? 1 : (long)threads * _chunksPerThread, byGrain);
    }

    /// <summary>Start of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over [0, count).</summary>
    public static int ChunkStart(int count, int chunks, int chunk) => (int)((long)count * chunk / chunks);

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over contiguous chunks of [0, <paramref name="count"/>),
    /// each at least <paramref name="grain"/> items long (except when the range is shorter).
    /// </summary>
    public static void For(int count, int grain, Action<int, int> body)
    {
        int chunks = ChunkCount(count, grain);
        if (chunks == 0) return;
        Chunks(chunks, c => body(ChunkStart(count, chunks, c), ChunkStart(count, chunks, c + 1)));
    }

    /// <summary><see cref="For(int, int, Action{int, int})"/> with a grain of one item.</summary>
    public static void For(int count, Action<int, int> body) => For(count, 1, body);

    /// <summary>Runs <paramref name="body"/>(i) for every i in [0, <paramref name="chunks"/>), in parallel.</summary>
    public static void Chunks(int chunks, Action<int> body)
    {
        if (chunks <= 0) return;
        int threads = Threads;
        if (chunks == 1 || threads == 1 || _inBody || !Monitor.TryEnter(Gate))
        {
            RunInline(chunks, body);
            return;
        }
        try
        {
            // One pool per thread count, so a flow with fewer threads never runs on more.
            if (!Pools.TryGetValue(threads, out var pool)) Pools[threads] = pool = new Pool(threads - 1);
            pool.Run(chunks, body, threads);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void RunInline(int chunks, Action<int> body)
    {
        bool outer = !_inBody;
        _inBody = true;
        try
        {
            for (int c = 0; c < chunks; c++) body(c);
        }
        finally
        {
            if (outer) _inBody = false;
        }
    }

    private static int DefaultThreads()
    {
        var env = Environment.GetEnvironmentVariable("METRIX_THREADS");
        return int.TryParse(env, out int n) && n > 0 ? n : Environment.ProcessorCount;
    }

    /// <summary>
    /// Background threads that take chunks from a shared counter; the caller works too. A worker that finishes a
    /// loop keeps polling for the next one for <see cref="SpinTicks"/> before it sleeps, as OpenMP runtimes do: a
    /// training step runs hundreds of short loops back to back, and waking a sleeping thread costs more than many
    /// of them (on a loaded machine a woken thread may wait a whole time slice, and the caller then runs every chunk
    /// alone).
    /// </summary>
    private sealed class Pool
    {
        /// <summary>How long an idle worker polls before sleeping: 200 µs.</summary>
        private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;

        private readonly Thread[] _threads;
        private readonly SemaphoreSlim _wake = new(0);
        private readonly ManualResetEventSlim _done = new(false, spinCount: 2000);
        private volatile Job? _job;
        private long _generation;
        private int _sleepers;

        public Pool(int workers)
        {
            _threads = new Thread[workers];
            for (int i = 0; i < workers; i++)
            {
                _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"metrix-worker-{i}" };
                _threads[i].Start();
            }
        }

        public void Run(int chunks, Action<int> body, int threads)
        {
            var job = new Job(body, chunks, threads);
            _done.Reset();
            _job = job;
            Interlocked.Increment(ref _generation);
            int sleeping = Volatile.Read(ref _sleepers);
            if (sleeping > 0) _wake.Release(Math.Min(sleeping, chunks - 1));
            _inBody = true;
            _bodyThreads = threads;
            try { Work(job); }
            finally { _inBody = false; _bodyThreads = 0; }
            _done.Wait();
            _job = null;
            if (job.Error is not null) throw new AggregateException(job.Error);
        }

        private void Loop()
        {
            _inBody = true;
            long seen = Interlocked.Read(ref _generation);
            while (true)
            {
                long now = WaitForGeneration(seen);
                if (now == seen) continue;
                seen = now;
                if (_job is { } job)
                {
                    _bodyThreads = job.Threads;
                    Work(job);
                }
            }
        }

        /// <summary>Polls, then sleeps, until a loop newer than <paramref name="seen"/> starts (or a spurious wake); returns the generation.</summary>
        private long WaitForGeneration(long seen)
        {
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            long now;
            var spin = new SpinWait();
            while ((now = Interlocked.Read(ref _generation)) == seen)
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                {
                    Interlocked.Increment(ref _sleepers);
                    // Re-check after announcing sleep: Run reads the sleeper count after publishing the generation.
                    if ((now = Interlocked.Read(ref _generation)) == seen) _wake.Wait();
                    Interlocked.Decrement(ref _sleepers);
                    return Interlocked.Read(ref _generation);
                }
                // Yield rather than burn the core: when the machine is oversubscribed the caller may be queued on it.
                if (spin.Count < 10) spin.SpinOnce(sleep1Threshold: -1);
                else Thread.Yield();
            }
            return now;
        }

        private void Work(Job job)
        {
            int c;
            while ((c = Interlocked.Increment(ref job.Next) - 1) < job.Chunks)
            {
                try { job.Body(c); }
                catch (Exception e) { Interlocked.CompareExchange(ref job.Error, e, null); }
                if (Interlocked.Decrement(ref job.Pending) == 0) _done.Set();
            }
        }

        /// <summary>One parallel loop; a worker woken late finds its counter exhausted and does nothing.</summary>
        private sealed class Job(Action<int> body, int chunks, int threads)
        {
            public readonly Action<int> Body = body;
            public readonly int Chunks = chunks;
            public readonly int Threads = threads;
            public int Next;
            public int Pending = chunks;
            public Exception? Error;
        }
    }
}
