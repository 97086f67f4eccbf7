using System.Globalization;
using System.Text;
using System.Text.Json;
using Metrix.Evaluation;
using Metrix.Tensors;

namespace Metrix.Search;

/// <summary>
/// A persistent image index: a directory holding the L2-normalised embeddings of a gallery (<c>.npy</c>), its
/// items (JSON lines: id, path, label), an HNSW graph over the embeddings (USearch) and <c>manifest.json</c>,
/// which names the checkpoint, the preprocessing and the current generation of data files.
/// </summary>
/// <remarks>
/// Every write is atomic. A new index is built in a temporary sibling directory renamed into place; an add (or a
/// rebuild over an existing index) writes a new generation of data files beside the current ones and then
/// replaces the manifest, the single commit point, before deleting the previous generation. A failure at any
/// earlier point leaves the previous manifest and the files it names untouched.
/// </remarks>
public sealed class ImageIndex : IDisposable
{
    /// <summary>Largest items file read (bytes per image well above any path length).</summary>
    private const long MaxItemBytesPerImage = 8192;

    private ImageIndex(string directory, IndexManifest manifest, float[] embeddings, List<IndexItem> items, VectorGraph graph)
    {
        Directory = directory;
        Manifest = manifest;
        Embeddings = embeddings;
        Items = items;
        Graph = graph;
    }

    private static readonly AsyncLocal<Action<string>?> StageHook = new();

    /// <summary>Called with a stage name between the steps of a write on this flow of execution (tests use it to fail mid-way).</summary>
    internal static Action<string>? Stage
    {
        get => StageHook.Value;
        set => StageHook.Value = value;
    }

    /// <summary>The index directory.</summary>
    public string Directory { get; }

    /// <summary>The manifest read or written last.</summary>
    public IndexManifest Manifest { get; private set; }

    /// <summary>The embeddings [Count × Dim], row i of item i.</summary>
    public float[] Embeddings { get; private set; }

    /// <summary>The items in id order.</summary>
    public IReadOnlyList<IndexItem> Items { get; private set; }

    /// <summary>The HNSW graph.</summary>
    public VectorGraph Graph { get; }

    /// <summary>Images in the index.</summary>
    public int Count => Items.Count;

    /// <summary>Embedding width.</summary>
    public int Dim => Manifest.Dim;

    /// <summary>
    /// Builds an index of <paramref name="items"/> (paths and labels; ids are assigned in order) with their
    /// embeddings [n × <paramref name="dim"/>] at <paramref name="directory"/>: a new directory is created
    /// atomically; an existing index there is replaced by a new generation (its manifest is swapped last).
    /// With <paramref name="recallTarget"/> above 0 the graph's ef is not <paramref name="options"/>' but calibrated
    /// (<see cref="PlanSearch"/>); 0 keeps the given ef.
    /// </summary>
    public static ImageIndex Build(string directory, ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<(string Path, int Label)> items,
        CheckpointIdentity checkpoint, IndexPreprocessing preprocessing, GraphOptions options, int threads, double recallTarget = 0,
        int calibrationSamples = ExpansionCalibration.DefaultSamples, CancellationToken cancel = default)
    {
        options.Validate();
        if (recallTarget is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(recallTarget), recallTarget, "must be 0 (the given ef) or a recall in (0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(calibrationSamples, 1);
        if ((long)items.Count * dim != embeddings.Length) throw new ArgumentException($"{embeddings.Length} embedding values for {items.Count} items of width {dim}");
        string full = Path.GetFullPath(directory);
        var itemList = items.Select((it, i) => new IndexItem(i, Path.GetFullPath(it.Path), it.Label)).ToList();
        var vectors = embeddings.ToArray();
        bool exists = System.IO.Directory.Exists(full);
        long generation = 1;
        if (exists)
        {
            if (File.Exists(Path.Combine(full, IndexManifest.FileName)))
                generation = IndexManifest.Read(full).Generation + 1;
            else if (System.IO.Directory.EnumerateFileSystemEntries(full).Any())
                throw new IOException($"{directory}: exists and is not a Metrix index (no {IndexManifest.FileName}); choose a new or empty directory");
        }
        var graph = VectorGraph.Create(dim, options);
        try
        {
            var plan = recallTarget > 0
                ? PlanSearch(graph, vectors, recallTarget, calibrationSamples, threads, cancel)
                : GivenExpansion(graph, vectors, threads, cancel);
            var manifest = new IndexManifest(IndexManifest.FormatName, generation, itemList.Count, dim, checkpoint, preprocessing,
                options with { ExpansionSearch = graph.ExpansionSearch }, IndexFiles.For(generation), DateTime.UtcNow, plan);
            if (exists)
            {
                WriteGeneration(full, manifest, vectors, itemList, graph);
                Commit(full, manifest);
            }
            else
            {
                string parent = Path.GetDirectoryName(full)!;
                System.IO.Directory.CreateDirectory(parent);
                string temp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                System.IO.Directory.CreateDirectory(temp);
                try
                {
                    WriteGeneration(temp, manifest, vectors, itemList, graph);
                    manifest.Write(temp);
                    Stage?.Invoke("before-rename");
                    System.IO.Directory.Move(temp, full);
                }
                catch
                {
                    try { System.IO.Directory.Delete(temp, recursive: true); } catch (IOException) { }
                    throw;
                }
            }
            return new ImageIndex(full, manifest, vectors, itemList, graph);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    private static SearchPlan GivenExpansion(VectorGraph graph, float[] vectors, int threads, CancellationToken cancel)
    {
        graph.Add(vectors, 0, threads, cancel);
        return new SearchPlan(SearchPlan.GraphMethod, $"ef {graph.ExpansionSearch} as given");
    }

    /// <summary>
    /// Fills <paramref name="graph"/> with <paramref name="vectors"/> and chooses the default search for a recall@10 target:
    /// below <see cref="SearchPlan.MinGraphRows"/> rows exact search; otherwise min(<paramref name="samples"/>, n / 10)
    /// seeded rows are held out of the graph and the smallest ef whose recall on them reaches the target with 95 %
    /// confidence is found (<see cref="ExpansionCalibration"/>, from ef 128). If none up to
    /// <see cref="ExpansionCalibration.MaxExpansion"/> reaches it, exact search. If one does, up to
    /// <see cref="TimedSamples"/> of the rows are searched one at a time both through the graph at that ef and by the exact
    /// scan, and the faster is the default: on data where the graph needs a large ef a scan is faster and exact
    /// (docs/performance.md). Then the held-out rows are inserted.
    /// </summary>
    public static SearchPlan PlanSearch(VectorGraph graph, float[] vectors, double recallTarget, int samples, int threads, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(vectors);
        int dim = graph.Dim, n = vectors.Length / dim;
        if (n < SearchPlan.MinGraphRows)
        {
            graph.Add(vectors, 0, threads, cancel);
            return new SearchPlan(SearchPlan.ExactMethod,
                $"{n} images, fewer than {SearchPlan.MinGraphRows}: an exact scan costs no more than a graph search and is exact", recallTarget);
        }
        int count = Math.Min(samples, n / 10), k = SearchPlan.DefaultK;
        var held = ExpansionCalibration.HeldOutRows(n, count, seed: 7);
        var heldSet = held.ToHashSet();
        graph.AddRows(vectors, Enumerable.Range(0, n).Where(r => !heldSet.Contains(r)).ToArray(), threads, cancel);
        var choice = ExpansionCalibration.Calibrate(graph, vectors, held, k, recallTarget, threads);
        var invariant = CultureInfo.InvariantCulture;
        string measured = string.Create(invariant,
            $"recall@{k} of {count} held-out images {choice.Recall:F4} (95 % lower bound {choice.LowerBound:F4}) at ef {choice.Expansion}");
        SearchPlan plan;
        if (!choice.Reached)
        {
            plan = new SearchPlan(SearchPlan.ExactMethod, string.Create(invariant,
                $"{measured}: no ef up to {ExpansionCalibration.MaxExpansion} reaches {recallTarget}, so exact search"), recallTarget, k, count, choice.Tried);
        }
        else
        {
            var (graphMicroseconds, exactMicroseconds) = TimeOneAtATime(graph, vectors, held, k);
            bool scan = exactMicroseconds <= graphMicroseconds;
            plan = new SearchPlan(scan ? SearchPlan.ExactMethod : SearchPlan.GraphMethod, string.Create(invariant,
                $"{measured} reaches {recallTarget}; one query at a time the graph took {graphMicroseconds:F0} µs there, an exact scan {exactMicroseconds:F0} µs: {(scan ? "exact search, as fast and exact" : "graph search")}"),
                recallTarget, k, count, choice.Tried, Math.Round(graphMicroseconds, 1), Math.Round(exactMicroseconds, 1));
        }
        graph.AddRows(vectors, held, threads, cancel);
        graph.ExpansionSearch = choice.Expansion;
        return plan;
    }

    /// <summary>Held-out rows timed one at a time by <see cref="PlanSearch"/>.</summary>
    public const int TimedSamples = 100;

    /// <summary>
    /// Mean microseconds a query of up to <see cref="TimedSamples"/> of <paramref name="rows"/>, one at a time, through
    /// the graph at its current ef and by the exact scan of <paramref name="vectors"/> — interleaved, so that a change
    /// of load affects both — after one untimed query of each.
    /// </summary>
    private static (double Graph, double Exact) TimeOneAtATime(VectorGraph graph, float[] vectors, int[] rows, int k)
    {
        int dim = graph.Dim, count = Math.Min(rows.Length, TimedSamples);
        var keys = new long[k];
        var sims = new float[k];
        graph.Search(vectors.AsSpan(rows[0] * dim, dim), keys, sims);
        Knn.Search(vectors.AsSpan(rows[0] * dim, dim), vectors, dim, k);
        long graphTicks = 0, exactTicks = 0;
        for (int i = 0; i < count; i++)
        {
            var query = vectors.AsSpan(rows[i] * dim, dim);
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            graph.Search(query, keys, sims);
            long middle = System.Diagnostics.Stopwatch.GetTimestamp();
            Knn.Search(query, vectors, dim, k);
            exactTicks += System.Diagnostics.Stopwatch.GetTimestamp() - middle;
            graphTicks += middle - start;
        }
        double perQuery = 1e6 / System.Diagnostics.Stopwatch.Frequency / count;
        return (graphTicks * perQuery, exactTicks * perQuery);
    }

    /// <summary>Whether <paramref name="method"/> searches exactly on this index.</summary>
    public bool IsExact(SearchMethod method) => method == SearchMethod.Exact || (method == SearchMethod.Default && Manifest.Search?.IsExact == true);

    /// <summary>Opens the index at <paramref name="directory"/>; a damaged or missing file is named in the error.</summary>
    public static ImageIndex Open(string directory)
    {
        string full = Path.GetFullPath(directory);
        var manifest = IndexManifest.Read(full);
        string Data(string name)
        {
            string path = Path.Combine(full, name);
            return File.Exists(path) ? path : throw new InvalidDataException($"{path}: missing (named by {IndexManifest.FileName}); the index is damaged");
        }
        var (embeddings, _, _) = NpyMatrix.Read(Data(manifest.Files.Embeddings), manifest.Count, manifest.Dim);
        var items = ReadItems(Data(manifest.Files.Items), manifest.Count);
        var graph = VectorGraph.Load(Data(manifest.Files.Graph), manifest.Dim, manifest.Graph);
        if (graph.Count != manifest.Count)
        {
            graph.Dispose();
            throw new InvalidDataException($"{Path.Combine(full, manifest.Files.Graph)}: {graph.Count} vectors, the manifest says {manifest.Count}");
        }
        return new ImageIndex(full, manifest, embeddings, items, graph);
    }

    /// <summary>
    /// Adds <paramref name="items"/> with their embeddings to the graph without rebuilding it and commits a new
    /// generation (new data files, then the manifest). The checkpoint must be the index's.
    /// </summary>
    public void Add(ReadOnlySpan<float> embeddings, IReadOnlyList<(string Path, int Label)> items, int threads, CancellationToken cancel = default)
    {
        if ((long)items.Count * Dim != embeddings.Length) throw new ArgumentException($"{embeddings.Length} embedding values for {items.Count} items of width {Dim}");
        int first = Count;
        var added = embeddings.ToArray();
        var vectors = new float[Embeddings.Length + added.Length];
        Embeddings.CopyTo(vectors, 0);
        added.CopyTo(vectors, Embeddings.Length);
        var itemList = Items.Concat(items.Select((it, i) => new IndexItem(first + i, Path.GetFullPath(it.Path), it.Label))).ToList();
        Graph.Add(added, first, threads, cancel);
        long generation = Manifest.Generation + 1;
        var manifest = Manifest with { Generation = generation, Count = itemList.Count, Files = IndexFiles.For(generation), Updated = DateTime.UtcNow };
        WriteGeneration(Directory, manifest, vectors, itemList, Graph);
        Commit(Directory, manifest);
        Manifest = manifest;
        Embeddings = vectors;
        Items = itemList;
    }

    /// <summary>
    /// The <paramref name="k"/> nearest items to <paramref name="query"/> (an L2-normalised embedding), best
    /// first: through the graph, or by the blocked exact k-NN (<see cref="Knn"/>), the reference, as
    /// <paramref name="method"/> says (by default as the manifest's <see cref="SearchPlan"/> says).
    /// </summary>
    public IReadOnlyList<ImageHit> Search(ReadOnlySpan<float> query, int k, SearchMethod method = SearchMethod.Default)
    {
        bool exact = IsExact(method);
        if (query.Length != Dim) throw new ArgumentException($"query of width {query.Length}, the index holds width {Dim}", nameof(query));
        k = Math.Min(k, Count);
        if (k <= 0) return [];
        var hits = new List<ImageHit>(k);
        if (exact)
        {
            var found = Knn.Search(query, Embeddings, Dim, k);
            for (int i = 0; i < k; i++) hits.Add(new ImageHit(Items[found.Indices[i]], found.Similarities[i]));
            return hits;
        }
        var keys = new long[k];
        var similarities = new float[k];
        int n = Graph.Search(query, keys, similarities);
        for (int i = 0; i < n; i++) hits.Add(new ImageHit(Items[(int)keys[i]], similarities[i]));
        return hits;
    }

    /// <inheritdoc/>
    public void Dispose() => Graph.Dispose();

    private static void WriteGeneration(string directory, IndexManifest manifest, float[] vectors, List<IndexItem> items, VectorGraph graph)
    {
        NpyMatrix.Write(Path.Combine(directory, manifest.Files.Embeddings), vectors, items.Count, manifest.Dim);
        Stage?.Invoke("embeddings-written");
        var text = new StringBuilder();
        foreach (var item in items) text.Append(JsonSerializer.Serialize(item)).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(directory, manifest.Files.Items), text.ToString());
        Stage?.Invoke("items-written");
        string graphPath = Path.Combine(directory, manifest.Files.Graph), graphTemp = graphPath + ".tmp";
        graph.Save(graphTemp);
        File.Move(graphTemp, graphPath, overwrite: true);
        Stage?.Invoke("graph-written");
    }

    /// <summary>Swaps the manifest (the commit), then removes data files no manifest names any more.</summary>
    private static void Commit(string directory, IndexManifest manifest)
    {
        manifest.Write(directory);
        Stage?.Invoke("committed");
        var keep = manifest.Files.All().Append(IndexManifest.FileName).ToHashSet(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(file);
            bool ours = name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("items.", StringComparison.Ordinal)
                || name.StartsWith("graph.", StringComparison.Ordinal) || name.StartsWith('.');
            if (ours && !keep.Contains(name))
                try { File.Delete(file); } catch (IOException) { }
        }
    }

    private static List<IndexItem> ReadItems(string path, int count)
    {
        long length = new FileInfo(path).Length;
        if (length > (count + 1) * MaxItemBytesPerImage) throw new InvalidDataException($"{path}: {length} bytes is too large for {count} items");
        var items = new List<IndexItem>(count);
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0) continue;
            IndexItem? item;
            try
            {
                item = JsonSerializer.Deserialize<IndexItem>(text);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{line}: not an item ({e.Message})");
            }
            if (item is null || item.Path is null || item.Id != items.Count)
                throw new InvalidDataException($"{path}:{line}: expected item {items.Count} with a path");
            items.Add(item);
        }
        if (items.Count != count) throw new InvalidDataException($"{path}: {items.Count} items, the manifest says {count}");
        return items;
    }
}
