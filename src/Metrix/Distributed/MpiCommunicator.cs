using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Metrix.Distributed;

/// <summary>
/// The ranks of an MPI job (MPI_COMM_WORLD) through the MPICH ABI (<see cref="MpiNative"/>). Errors are returned,
/// not fatal (MPI_ERRORS_RETURN), and become <see cref="MpiException"/>s naming the call and the rank. Every
/// collective is counted (<see cref="Stats"/>) and guarded by a watchdog: a rank that waits in one call longer
/// than <see cref="Timeout"/> (a peer hangs, or its machine is gone) says so on standard error and exits, and
/// the launcher then ends the other ranks. Calls come from one thread at a time (MPI_THREAD_SERIALIZED).
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>Environment variable: the watchdog's limit in seconds on one collective call (0 = no limit).</summary>
    public const string TimeoutVariable = "METRIX_MPI_TIMEOUT";

    /// <summary>The watchdog's default limit: long enough for rank 0 to write a checkpoint or download weights while the others wait.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    /// <summary>How long <see cref="Abort"/> waits for the launcher to forward the last messages.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(500);

    // The largest element count passed to one call (MPI counts are C ints); longer buffers go in pieces.
    private const int MaxChunk = 1 << 30;

    private readonly Thread? _watchdog;
    private readonly long _timeoutTicks;
    private string? _current;
    private long _enteredAt;
    private long _calls, _bytes, _ticks;
    private bool _disposed;

    private MpiCommunicator(TimeSpan timeout)
    {
        int required = MpiNative.ThreadSerialized, provided = 0, initialized = 0, rank = 0, size = 0;
        Check(MpiNative.Initialized(&initialized), "MPI_Initialized");
        if (initialized != 0) throw new InvalidOperationException("MPI is already initialised in this process");
        Check(MpiNative.InitThread(null, 0, required, &provided), "MPI_Init_thread");
        ThreadLevel = provided;
        Check(MpiNative.CommSetErrhandler(MpiNative.CommWorld, MpiNative.ErrorsReturn), "MPI_Comm_set_errhandler");
        Check(MpiNative.CommRank(MpiNative.CommWorld, &rank), "MPI_Comm_rank");
        Check(MpiNative.CommSize(MpiNative.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;

        // Ranks sharing this machine: they share its cores (the default threads per rank divide them).
        int local = MpiNative.CommNull, localSize = 1;
        Check(MpiNative.CommSplitType(MpiNative.CommWorld, MpiNative.CommTypeShared, rank, MpiNative.InfoNull, &local), "MPI_Comm_split_type");
        Check(MpiNative.CommSize(local, &localSize), "MPI_Comm_size");
        Check(MpiNative.CommFree(&local), "MPI_Comm_free");
        LocalSize = localSize;

        byte* name = stackalloc byte[MpiNative.MaxProcessorName + 1];
        int nameLength = 0;
        Check(MpiNative.GetProcessorName(name, &nameLength), "MPI_Get_processor_name");
        Host = System.Text.Encoding.ASCII.GetString(name, Math.Clamp(nameLength, 0, MpiNative.MaxProcessorName));

        Timeout = timeout;
        _timeoutTicks = timeout <= TimeSpan.Zero ? 0 : (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        if (_timeoutTicks > 0)
        {
            _watchdog = new Thread(Watch) { IsBackground = true, Name = "MPI watchdog" };
            _watchdog.Start();
        }
    }

    /// <summary>
    /// Loads the MPI library, initialises MPI and joins MPI_COMM_WORLD. The watchdog's limit is
    /// <paramref name="timeout"/>, else <see cref="TimeoutVariable"/>, else <see cref="DefaultTimeout"/>.
    /// </summary>
    /// <exception cref="DllNotFoundException">No MPICH-ABI library could be loaded; the message says which and how to install one.</exception>
    /// <exception cref="MpiException">MPI could not be initialised.</exception>
    public static MpiCommunicator Start(TimeSpan? timeout = null)
    {
        MpiNative.Load();
        return new MpiCommunicator(timeout ?? TimeoutFromEnvironment());
    }

    /// <summary><see cref="TimeoutVariable"/> in seconds, else <see cref="DefaultTimeout"/>.</summary>
    /// <exception cref="ArgumentException">The variable is not a number of seconds ≥ 0.</exception>
    public static TimeSpan TimeoutFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultTimeout;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds >= 0) || seconds > 1e7)
            throw new ArgumentException($"{TimeoutVariable}: invalid value '{text}'; expected seconds from 0 to 10000000 (0 = no limit)");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>How many ranks run on this machine (this one included).</summary>
    public int LocalSize { get; }

    /// <summary>This machine's name as MPI reports it.</summary>
    public string Host { get; }

    /// <summary>The thread support MPI granted (MPI_THREAD_SINGLE 0 … MPI_THREAD_MULTIPLE 3).</summary>
    public int ThreadLevel { get; }

    /// <summary>The watchdog's limit on one collective call (zero: none).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The library loaded (its file or soname).</summary>
    public static string? Library => MpiNative.LoadedName;

    /// <summary>The collectives of this rank so far.</summary>
    public CommunicationStats Stats => new(_calls, _bytes, _ticks / (double)Stopwatch.Frequency);

    /// <summary>Sets <see cref="Stats"/> back to zero.</summary>
    public void ResetStats() => _calls = _bytes = _ticks = 0;

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> data)
    {
        fixed (float* p = data) AllReduceSum((nint)p, data.Length, MpiNative.Float, sizeof(float));
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<double> data)
    {
        fixed (double* p = data) AllReduceSum((nint)p, data.Length, MpiNative.Double, sizeof(double));
    }

    /// <summary>The in-place sum of <paramref name="length"/> elements at <paramref name="p"/>, in chunks MPI's int counts can hold.</summary>
    private void AllReduceSum(nint p, int length, int datatype, int elementSize)
    {
        for (int start = 0; start < length; start += MaxChunk)
        {
            int count = Math.Min(MaxChunk, length - start);
            long t = Enter("MPI_Allreduce");
            int rc = MpiNative.Allreduce(MpiNative.InPlace, p + (nint)start * elementSize, count, datatype, MpiNative.OpSum, MpiNative.CommWorld);
            Leave(t, "MPI_Allreduce", rc, (long)count * elementSize);
        }
    }

    /// <inheritdoc/>
    public IPendingCollective BeginAllReduceSum(Memory<float> data)
    {
        if (data.Length > MaxChunk)
        {
            AllReduceSum(data.Span);
            return CompletedCollective.Instance;
        }
        var pin = data.Pin();
        int request = 0;
        long t = Enter("MPI_Iallreduce");
        int rc = MpiNative.Iallreduce(MpiNative.InPlace, (nint)pin.Pointer, data.Length, MpiNative.Float, MpiNative.OpSum, MpiNative.CommWorld, &request);
        if (rc != MpiNative.Success) pin.Dispose();
        Leave(t, "MPI_Iallreduce", rc, (long)data.Length * sizeof(float), count: false);
        return new PendingSum(this, pin, request);
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts)
    {
        if (counts.Length != Size)
            throw new ArgumentException($"{counts.Length} counts for {Size} ranks", nameof(counts));
        if (counts[Rank] != send.Length)
            throw new ArgumentException($"rank {Rank} sends {send.Length} values but counts[{Rank}] is {counts[Rank]}", nameof(counts));
        long total = 0;
        bool equal = true;
        foreach (int c in counts)
        {
            if (c < 0) throw new ArgumentException("a count is negative", nameof(counts));
            total += c;
            equal &= c == counts[0];
        }
        if (total != receive.Length)
            throw new ArgumentException($"the counts add up to {total} but the receive buffer holds {receive.Length}", nameof(counts));
        if (total > int.MaxValue)
            throw new ArgumentException($"{total} values gathered at once is more than an MPI count (2^31 - 1)", nameof(counts));
        var displacements = new int[Size];
        for (int r = 1; r < Size; r++) displacements[r] = displacements[r - 1] + counts[r - 1];
        fixed (float* s = send)
        fixed (float* d = receive)
        fixed (int* c = counts)
        fixed (int* o = displacements)
        {
            long t = Enter("MPI_Allgather");
            int rc = equal
                ? MpiNative.Allgather((nint)s, send.Length, MpiNative.Float, (nint)d, counts[0], MpiNative.Float, MpiNative.CommWorld)
                : MpiNative.Allgatherv((nint)s, send.Length, MpiNative.Float, (nint)d, c, o, MpiNative.Float, MpiNative.CommWorld);
            Leave(t, equal ? "MPI_Allgather" : "MPI_Allgatherv", rc, (long)send.Length * sizeof(float));
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> data, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        fixed (byte* p = data)
            for (int start = 0; start < data.Length || start == 0; start += MaxChunk)
            {
                int count = Math.Min(MaxChunk, data.Length - start);
                long t = Enter("MPI_Bcast");
                int rc = MpiNative.Bcast((nint)(p + start), count, MpiNative.Byte, root, MpiNative.CommWorld);
                Leave(t, "MPI_Bcast", rc, count);
                if (data.Length == 0) break;
            }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        long t = Enter("MPI_Barrier");
        int rc = MpiNative.Barrier(MpiNative.CommWorld);
        Leave(t, "MPI_Barrier", rc, 0);
    }

    /// <summary>MPI_Abort: the launcher ends every rank of the job with <paramref name="exitCode"/>. Does not return.</summary>
    public void Abort(int exitCode)
    {
        Console.Error.Flush();
        Console.Out.Flush();
        // The launcher forwards output asynchronously and stops forwarding when it ends the job: a moment's grace
        // lets this rank's error message (and those of ranks failing at the same time) reach the terminal.
        Thread.Sleep(AbortGrace);
        MpiNative.Abort(MpiNative.CommWorld, exitCode);
        MpiNative.Exit(exitCode); // MPI_Abort should not return; if it does, this rank still ends.
    }

    /// <summary>MPI_Finalize (once; after it no collective may be called).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        int finalized = 0;
        if (MpiNative.Finalized(&finalized) == MpiNative.Success && finalized == 0)
        {
            long t = Enter("MPI_Finalize");
            int rc = MpiNative.Finalize();
            Leave(t, "MPI_Finalize", rc, 0, count: false);
        }
    }

    private long Enter(string call)
    {
        ObjectDisposedException.ThrowIf(_disposed && call != "MPI_Finalize", this);
        long now = Stopwatch.GetTimestamp();
        Volatile.Write(ref _enteredAt, now);
        Volatile.Write(ref _current, call);
        return now;
    }

    private void Leave(long entered, string call, int rc, long bytes, bool count = true)
    {
        Volatile.Write(ref _current, null);
        _ticks += Stopwatch.GetTimestamp() - entered;
        if (count) _calls++;
        _bytes += bytes;
        Check(rc, call);
    }

    private void Check(int rc, string call)
    {
        if (rc != MpiNative.Success)
            throw new MpiException($"{call} failed on rank {Rank} of {Size}: {MpiNative.Describe(rc)}", rc);
    }

    /// <summary>
    /// The watchdog: once a second, whether the call in progress has waited longer than the limit. Then this rank
    /// says which call and how long on standard error and exits at once with code 1 (not through the runtime's shutdown,
    /// which could wait on the stuck call); the launcher sees a rank fail and ends the others.
    /// </summary>
    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(1000);
            string? call = Volatile.Read(ref _current);
            if (call is null) continue;
            long waited = Stopwatch.GetTimestamp() - Volatile.Read(ref _enteredAt);
            if (waited <= _timeoutTicks || !ReferenceEquals(call, Volatile.Read(ref _current))) continue;
            try
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"error: rank {Rank} of {Size} ({Host}, pid {Environment.ProcessId}): {call} has waited {waited / (double)Stopwatch.Frequency:0} s for the other ranks "
                    + $"(limit {Timeout.TotalSeconds:0} s, {TimeoutVariable}); another rank has stopped or hangs; ending this rank"));
                Console.Error.Flush();
            }
            finally
            {
                MpiNative.Exit(1);
            }
        }
    }

    /// <summary>An MPI_Iallreduce in flight: the pinned buffer and the request.</summary>
    private sealed class PendingSum(MpiCommunicator owner, System.Buffers.MemoryHandle pin, int request) : IPendingCollective
    {
        private int _request = request;
        private bool _done;

        public bool Test()
        {
            if (_done) return true;
            int flag = 0, rc;
            long t = owner.Enter("MPI_Test");
            fixed (int* r = &_request) rc = MpiNative.Test(r, &flag, MpiNative.StatusIgnore);
            owner.Leave(t, "MPI_Test", rc, 0, count: false);
            if (flag != 0) Complete();
            return _done;
        }

        public void Wait()
        {
            if (_done) return;
            int rc;
            long t = owner.Enter("MPI_Wait");
            fixed (int* r = &_request) rc = MpiNative.Wait(r, MpiNative.StatusIgnore);
            owner._calls++;
            owner.Leave(t, "MPI_Wait", rc, 0, count: false);
            Complete();
        }

        private void Complete()
        {
            _done = true;
            pin.Dispose();
        }

        public void Dispose() => Wait();
    }
}
