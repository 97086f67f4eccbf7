namespace Metrix.Distributed;

/// <summary>
/// The rows of a global batch one rank holds in data-parallel training: a contiguous range
/// [<see cref="Start"/>, <see cref="End"/>) of the batch every rank draws identically (same sampler, same seed).
/// </summary>
/// <remarks>
/// The rule (<see cref="Split"/>): shards are contiguous and in rank order. When the batch is made of
/// groups of equal size with one label each — the balanced sampler's classes, <c>images_per_class</c>
/// consecutive rows apiece — and the groups divide evenly among the ranks, every rank holds the same number of whole
/// classes. Otherwise (a shuffled batch, or classes that do not divide evenly) the rows are split as evenly as
/// possible: rank r holds rows [⌊B·r/N⌋, ⌊B·(r+1)/N⌋). Every rank holds at least one row, so a batch needs at
/// least as many rows as there are ranks. The objective is the same whichever rows a rank holds (the loss and
/// Metrix see the gathered batch); whole classes only matter to per-rank BatchNorm statistics.
/// </remarks>
/// <param name="Start">First row of the shard in the global batch.</param>
/// <param name="Count">Rows in the shard.</param>
public readonly record struct BatchShard(int Start, int Count)
{
    /// <summary>One past the last row.</summary>
    public int End => Start + Count;

    /// <summary>The shards of all <paramref name="size"/> ranks for a batch with <paramref name="labels"/> (rank order).</summary>
    /// <exception cref="ArgumentException">The batch has fewer rows than there are ranks.</exception>
    public static BatchShard[] Split(IReadOnlyList<int> labels, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        int n = labels.Count;
        if (n < size)
            throw new ArgumentException($"a batch of {n} images cannot be shared by {size} processes: --batch_size must be at least the number of processes", nameof(labels));
        var shards = new BatchShard[size];
        int groupLength = GroupLength(labels);
        if (groupLength > 0 && n / groupLength % size == 0)
        {
            int perRank = n / size;
            for (int r = 0; r < size; r++) shards[r] = new BatchShard(r * perRank, perRank);
            return shards;
        }
        for (int r = 0; r < size; r++) shards[r] = Even(n, r, size);
        return shards;
    }

    /// <summary>The shard of rank <paramref name="rank"/> of <paramref name="size"/> (see <see cref="Split"/>).</summary>
    public static BatchShard For(IReadOnlyList<int> labels, int rank, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, size);
        return Split(labels, size)[rank];
    }

    /// <summary>Rank <paramref name="rank"/>'s share of <paramref name="count"/> items split as evenly as possible: [⌊count·r/N⌋, ⌊count·(r+1)/N⌋), possibly empty.</summary>
    public static BatchShard Even(int count, int rank, int size)
    {
        int start = (int)((long)count * rank / size), end = (int)((long)count * (rank + 1) / size);
        return new BatchShard(start, end - start);
    }

    /// <summary>The row counts of <paramref name="shards"/> times <paramref name="width"/> (element counts of a gather).</summary>
    public static int[] Counts(IReadOnlyList<BatchShard> shards, int width = 1)
    {
        var counts = new int[shards.Count];
        for (int r = 0; r < counts.Length; r++) counts[r] = checked(shards[r].Count * width);
        return counts;
    }

    /// <summary>The common length of the batch's runs of equal labels, or 0 when the runs differ in length.</summary>
    private static int GroupLength(IReadOnlyList<int> labels)
    {
        int length = 0, run = 0;
        for (int i = 0; i <= labels.Count; i++)
        {
            if (i > 0 && (i == labels.Count || labels[i] != labels[i - 1]))
            {
                if (length == 0) length = run;
                else if (run != length) return 0;
                run = 0;
            }
            run++;
        }
        return length;
    }
}
