using Cloud.Unum.USearch;

namespace Metrix.Search;

/// <summary>
/// An approximate nearest-neighbour graph (USearch HNSW, inner product on float32 rows) over L2-normalised
/// vectors keyed by their row number: similarity = ⟨q, g⟩ = 1 − USearch's inner-product distance.
/// </summary>
public sealed class VectorGraph : IDisposable
{
    private readonly USearchIndex _index;
    private readonly nint _handle;
    private int _expansionSearch;

    private VectorGraph(USearchIndex index, int dim, GraphOptions options)
    {
        _index = index;
        _handle = UsearchNative.Handle(index);
        Dim = dim;
        Options = options;
        _expansionSearch = options.ExpansionSearch;
        UsearchNative.SetExpansion(_handle, options.ExpansionAdd, options.ExpansionSearch);
    }

    /// <summary>Width of the vectors.</summary>
    public int Dim { get; }

    /// <summary>The graph's settings.</summary>
    public GraphOptions Options { get; }

    /// <summary>Candidates kept while searching (ef); changing it affects later searches (not concurrent ones).</summary>
    public int ExpansionSearch
    {
        get => _expansionSearch;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            UsearchNative.SetExpansion(_handle, Options.ExpansionAdd, value);
            _expansionSearch = value;
        }
    }

    /// <summary>Vectors in the graph.</summary>
    public long Count => (long)_index.Size();

    /// <summary>Bytes USearch holds for the graph and the vectors.</summary>
    public long MemoryBytes => UsearchNative.Memory(_handle);

    /// <summary>An empty graph for vectors of width <paramref name="dim"/>.</summary>
    public static VectorGraph Create(int dim, GraphOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        options.Validate();
        var index = new USearchIndex(MetricKind.Ip, ScalarKind.Float32, (ulong)dim, (ulong)options.Connectivity,
            (ulong)options.ExpansionAdd, (ulong)options.ExpansionSearch);
        return new VectorGraph(index, dim, options);
    }

    /// <summary>Loads a graph saved by <see cref="Save"/>; its width must be <paramref name="dim"/>.</summary>
    public static VectorGraph Load(string path, int dim, GraphOptions options)
    {
        options.Validate();
        USearchIndex index;
        try
        {
            index = new USearchIndex(path, false);
        }
        catch (USearchException e)
        {
            throw new InvalidDataException($"{path}: not a readable USearch graph ({e.Message.Trim()})");
        }
        if ((long)index.Dimensions() != dim)
        {
            index.Dispose();
            throw new InvalidDataException($"{path}: graph of width {index.Dimensions()}, expected {dim}");
        }
        return new VectorGraph(index, dim, options);
    }

    /// <summary>
    /// Inserts the rows of <paramref name="vectors"/> [n × Dim] with keys <paramref name="firstKey"/>,
    /// <paramref name="firstKey"/> + 1, …, on <paramref name="threads"/> threads (capacity is reserved first,
    /// so concurrent inserts never resize).
    /// </summary>
    public void Add(ReadOnlyMemory<float> vectors, long firstKey, int threads, CancellationToken cancel = default)
    {
        if (vectors.Length % Dim != 0) throw new ArgumentException($"{vectors.Length} values are not rows of width {Dim}", nameof(vectors));
        int n = vectors.Length / Dim;
        if (n == 0) return;
        UsearchNative.Reserve(_handle, Count + n);
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancel },
            i => UsearchNative.Add(_handle, (ulong)(firstKey + i), vectors.Span.Slice(i * Dim, Dim)));
    }

    /// <summary>
    /// Inserts the rows <paramref name="rows"/> of <paramref name="vectors"/> [n × Dim], each keyed by its row
    /// number, on <paramref name="threads"/> threads (capacity is reserved first).
    /// </summary>
    public void AddRows(ReadOnlyMemory<float> vectors, IReadOnlyList<int> rows, int threads, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (vectors.Length % Dim != 0) throw new ArgumentException($"{vectors.Length} values are not rows of width {Dim}", nameof(vectors));
        int n = vectors.Length / Dim;
        if (rows.Count == 0) return;
        UsearchNative.Reserve(_handle, Count + rows.Count);
        Parallel.For(0, rows.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancel }, i =>
        {
            int row = rows[i];
            if ((uint)row >= (uint)n) throw new ArgumentOutOfRangeException(nameof(rows), row, $"row must be below {n}");
            UsearchNative.Add(_handle, (ulong)row, vectors.Span.Slice(row * Dim, Dim));
        });
    }

    /// <summary>
    /// The nearest keys to <paramref name="query"/> into <paramref name="keys"/> and their similarities into
    /// <paramref name="similarities"/> (best first, as many as both spans hold); returns how many were found.
    /// Safe to call from several threads at once.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, Span<long> keys, Span<float> similarities)
    {
        if (query.Length != Dim) throw new ArgumentException($"query of width {query.Length}, expected {Dim}", nameof(query));
        int k = Math.Min(keys.Length, similarities.Length);
        int found = UsearchNative.Search(_handle, query, System.Runtime.InteropServices.MemoryMarshal.Cast<long, ulong>(keys[..k]), similarities[..k]);
        for (int i = 0; i < found; i++) similarities[i] = 1 - similarities[i];
        return found;
    }

    /// <summary>Writes the graph (with its vectors) to <paramref name="path"/>.</summary>
    public void Save(string path) => _index.Save(path);

    /// <inheritdoc/>
    public void Dispose() => _index.Dispose();
}
