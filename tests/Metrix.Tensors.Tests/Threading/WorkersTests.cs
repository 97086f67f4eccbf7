namespace Metrix.Tensors.Tests;

public sealed class WorkersTests
{
    [Fact]
    public void Every_item_is_visited_exactly_once()
    {
        var hits = new int[10_001];
        Workers.For(hits.Length, 7, (s, e) => { for (int i = s; i < e; i++) Interlocked.Increment(ref hits[i]); });
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Nested_loops_run_inline_without_deadlock()
    {
        int total = 0;
        Workers.For(8, (s, e) =>
        {
            for (int i = s; i < e; i++)
                Workers.For(10, (a, b) => Interlocked.Add(ref total, b - a));
        });
        Assert.Equal(80, total);
    }

    [Fact]
    public void Exceptions_in_a_body_reach_the_caller()
    {
        Assert.ThrowsAny<Exception>(() => Workers.Chunks(4, c => { if (c == 2) throw new InvalidOperationException("boom"); }));
        int ok = 0;
        Workers.Chunks(4, _ => Interlocked.Increment(ref ok));
        Assert.Equal(4, ok);
    }

    [Fact]
    public void Chunk_boundaries_depend_only_on_count_and_thread_count()
    {
        int chunks = Workers.ChunkCount(1000, 10);
        Assert.Equal(Workers.Threads == 1 ? 1 : Math.Min(Workers.Threads * Workers.ChunksPerThread, 100), chunks);
        Assert.Equal(0, Workers.ChunkStart(1000, chunks, 0));
        Assert.Equal(1000, Workers.ChunkStart(1000, chunks, chunks));
    }

    [Fact]
    public void A_thread_scope_sets_the_count_for_its_flow_and_its_parallel_bodies_then_restores_it()
    {
        int outside = Workers.Threads;
        using (Workers.Use(3))
        {
            Assert.Equal(3, Workers.Threads);
            var seen = new int[12];
            Workers.Chunks(12, c => seen[c] = Workers.Threads);
            Assert.All(seen, t => Assert.Equal(3, t));
            using (Workers.Use(1)) Assert.Equal(1, Workers.ChunkCount(1000));
            Assert.Equal(3, Workers.Threads);
        }
        Assert.Equal(outside, Workers.Threads);
    }

    [Fact]
    public async Task A_thread_scope_does_not_reach_other_flows()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int outside = Workers.Threads;
        var other = Task.Run(() =>
        {
            using var scope = Workers.Use(outside + 5);
            started.Set();
            release.Wait();
            return Workers.Threads;
        });
        started.Wait();
        Assert.Equal(outside, Workers.Threads);
        release.Set();
        Assert.Equal(outside + 5, await other);
    }
}
