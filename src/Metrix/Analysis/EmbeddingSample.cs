using Metrix.Tensors;

namespace Metrix.Analysis;

/// <summary>
/// A uniform random sample of at most <see cref="Capacity"/> embedding rows from a stream (reservoir
/// sampling, Vitter's algorithm R, seeded): collects the mixed embeddings of an epoch for
/// <see cref="Utilization"/> without keeping all of them (a feature-mixup epoch makes millions).
/// </summary>
/// <remarks>
/// With a sample, the minimum distance over the sample is an upper bound of the one over all mixed rows,
/// so the reported mixed utilization is conservative; it is exact while the stream fits the capacity.
/// </remarks>
public sealed class EmbeddingSample
{
    private readonly float[] _rows;
    private readonly Rng _rng;

    /// <summary>An empty sample of rows of <paramref name="dim"/> values.</summary>
    public EmbeddingSample(int capacity, int dim, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        Capacity = capacity;
        Dim = dim;
        _rows = new float[(long)capacity * dim];
        _rng = new Rng(seed);
    }

    /// <summary>Most rows kept.</summary>
    public int Capacity { get; }

    /// <summary>Values per row.</summary>
    public int Dim { get; }

    /// <summary>Rows offered so far.</summary>
    public long Seen { get; private set; }

    /// <summary>Rows kept: min(Seen, Capacity).</summary>
    public int Count => (int)Math.Min(Seen, Capacity);

    /// <summary>The kept rows, [Count × Dim] row-major.</summary>
    public ReadOnlySpan<float> Rows => _rows.AsSpan(0, Count * Dim);

    /// <summary>Offers every row of <paramref name="rows"/> ([· × Dim] row-major).</summary>
    public void Add(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Dim != 0)
            throw new ArgumentException($"embedding sample: {rows.Length} values do not form rows of dimension {Dim}", nameof(rows));
        for (int i = 0; i < rows.Length / Dim; i++)
        {
            // Row number t (0-based) replaces a random kept row with probability Capacity / (t + 1).
            long t = Seen++;
            long slot = t < Capacity ? t : (long)(_rng.NextDouble() * (t + 1));
            if (slot < Capacity) rows.Slice(i * Dim, Dim).CopyTo(_rows.AsSpan((int)slot * Dim, Dim));
        }
    }

    /// <summary>Offers the rows of a [· × Dim] tensor (e.g. a batch of mixed embeddings).</summary>
    public void Add(Tensor rows) => Add(rows.Span);
}
