using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Evaluation;
using Metrix.Search;
using Metrix.Tensors;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix bench index</c>: the approximate index (USearch HNSW) against exact search on the same vectors —
/// build time and memory, queries per second on one thread and on all, recall@10 against the blocked exact
/// k-NN, for a sweep of search expansions. The vectors are clustered synthetic unit vectors (written to
/// <c>PREFIX.base.npy</c> and <c>PREFIX.queries.npy</c> for <c>tools/bench/faiss_index.py</c>) or read back from them.
/// </summary>
public sealed class IndexBenchCommand : Command
{
    private readonly Option<string?> _vectors = Flags.OptionalText("vectors", "Read PREFIX.base.npy and PREFIX.queries.npy instead of generating vectors");
    private readonly Option<string?> _write = Flags.OptionalText("write", "Write the generated vectors to PREFIX.base.npy and PREFIX.queries.npy");
    private readonly Option<int> _n = Flags.Int("n", "Gallery vectors generated", 60502);
    private readonly Option<int> _dim = Flags.Int("dim", "Vector width", 512);
    private readonly Option<int> _clusters = Flags.Int("clusters", "Clusters of the generated vectors (classes)", 11316);
    private readonly Option<double> _spread = Flags.Double("spread", "Norm of a vector's offset from its cluster centre (unit centres) before normalising", 1.0);
    private readonly Option<int> _queries = Flags.Int("queries", "Query vectors generated (from the same clusters)", 2000);
    private readonly Option<int> _k = Flags.Int("k", "Neighbours per query (recall@k)", 10);
    private readonly Option<int> _connectivity = Flags.Int("connectivity", "HNSW edges per node (M)", GraphOptions.DefaultConnectivity);
    private readonly Option<int> _expansionAdd = Flags.Int("expansion_add", "Candidates while inserting (efConstruction)", GraphOptions.DefaultExpansionAdd);
    private readonly Option<string> _expansionSearch = Flags.Text("expansion_search", "Comma-separated candidates while searching (ef) to measure", "16,32,64,128");
    private readonly Option<double> _seconds = Flags.Double("seconds", "Least time each queries-per-second figure is measured over", 1.0);
    private readonly Option<int> _threads = Flags.Int("threads", "Threads of the build and the multi-threaded queries (0 = all cores)", 0);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object");

    /// <summary>The command.</summary>
    public IndexBenchCommand()
        : base("index", "Time the approximate index (USearch HNSW) against exact search: build, memory, queries per second, recall@k.")
    {
        foreach (var option in new Option[] { _vectors, _write, _n, _dim, _clusters, _spread, _queries, _k, _connectivity, _expansionAdd, _expansionSearch, _seconds, _threads, _json })
            Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        int threads = Workers.Threads, k = parse.GetValue(_k);
        var efs = parse.GetValue(_expansionSearch)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new UsageException($"--expansion_search: '{s}' is not a positive integer"))
            .ToArray();
        float[] gallery, queries;
        int n, dim, nq;
        string source;
        if (parse.GetValue(_vectors) is string prefix)
        {
            (gallery, n, dim) = NpyMatrix.Read(prefix + ".base.npy");
            (queries, nq, _) = NpyMatrix.Read(prefix + ".queries.npy", columns: dim);
            source = prefix;
        }
        else
        {
            n = parse.GetValue(_n);
            dim = parse.GetValue(_dim);
            nq = parse.GetValue(_queries);
            int clusters = parse.GetValue(_clusters);
            if (n < 2 || dim < 1 || nq < 1 || clusters < 1) throw new UsageException("--n must be at least 2; --dim, --queries and --clusters positive");
            (gallery, queries) = Clustered(n, nq, dim, clusters, parse.GetValue(_spread), seed: 1);
            source = string.Create(CultureInfo.InvariantCulture, $"synthetic clustered: {clusters} clusters, spread {parse.GetValue(_spread)}");
            if (parse.GetValue(_write) is string output)
            {
                NpyMatrix.Write(output + ".base.npy", gallery, n, dim);
                NpyMatrix.Write(output + ".queries.npy", queries, nq, dim);
            }
        }
        if (k < 1 || k > n) throw new UsageException($"-k: invalid value {k}; expected 1 to {n}");

        var clock = Stopwatch.StartNew();
        var exact = Knn.Search(queries, gallery, dim, k);
        double exactSeconds = clock.Elapsed.TotalSeconds;

        double rssBefore = ResidentMegabytes();
        var options = new GraphOptions(parse.GetValue(_connectivity), parse.GetValue(_expansionAdd)).Validate();
        clock.Restart();
        using var graph = VectorGraph.Create(dim, options);
        graph.Add(gallery, 0, threads, context.Cancellation);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        double rssAfter = ResidentMegabytes();
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built {n} x {dim} in {buildSeconds:F1} s"));

        var rows = new List<Dictionary<string, object>>();
        double seconds = parse.GetValue(_seconds);
        foreach (int ef in efs)
        {
            graph.ExpansionSearch = ef;
            var keys = new long[nq * k];
            var sims = new float[nq * k];
            for (int q = 0; q < nq; q++) graph.Search(queries.AsSpan(q * dim, dim), keys.AsSpan(q * k, k), sims.AsSpan(q * k, k));
            double recall = Recall(keys, exact, nq, k);
            double single = QueriesPerSecond(graph, queries, nq, dim, k, 1, seconds, context.Cancellation);
            double multi = QueriesPerSecond(graph, queries, nq, dim, k, threads, seconds, context.Cancellation);
            rows.Add(new Dictionary<string, object>
            {
                ["expansion_search"] = ef, ["recall_at_k"] = Math.Round(recall, 4), ["qps_1_thread"] = Math.Round(single, 0),
                ["latency_us_1_thread"] = Math.Round(1e6 / single, 1), [$"qps_{threads}_threads"] = Math.Round(multi, 0),
            });
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ef {ef}: recall@{k} {recall:F4}, {single:F0} q/s on 1 thread, {multi:F0} q/s on {threads}"));
        }
        var report = new Dictionary<string, object>
        {
            ["benchmark"] = "index", ["engine"] = "metrix-usearch", ["vectors"] = source, ["n"] = n, ["dim"] = dim, ["queries"] = nq, ["k"] = k,
            ["connectivity"] = options.Connectivity, ["expansion_add"] = options.ExpansionAdd, ["threads"] = threads,
            ["build_seconds"] = Math.Round(buildSeconds, 2), ["build_rss_mb"] = Math.Round(rssAfter - rssBefore, 1),
            ["graph_memory_mb"] = Math.Round(graph.MemoryBytes / 1e6, 1), ["vectors_mb"] = Math.Round((double)n * dim * 4 / 1e6, 1),
            ["exact_seconds"] = Math.Round(exactSeconds, 3), ["exact_qps"] = Math.Round(nq / exactSeconds, 0),
            ["peak_memory_mb"] = Math.Round(BenchCommand.PeakResidentMegabytes(), 1), ["search"] = rows,
        };
        context.Output.WriteLine(parse.GetValue(_json)
            ? JsonSerializer.Serialize(report)
            : string.Join("\n", report.Select(kv => string.Create(CultureInfo.InvariantCulture,
                $"{kv.Key,-18} {(kv.Value is List<Dictionary<string, object>> r ? string.Join("\n" + new string(' ', 19), r.Select(x => string.Join("  ", x.Select(p => $"{p.Key}={p.Value}")))) : kv.Value)}"))));
        return ExitCodes.Success;
    }

    /// <summary>
    /// <paramref name="n"/> gallery and <paramref name="nq"/> query unit vectors around <paramref name="clusters"/>
    /// random unit centres: centre + Gaussian offset of expected norm <paramref name="spread"/>, normalised.
    /// </summary>
    internal static (float[] Gallery, float[] Queries) Clustered(int n, int nq, int dim, int clusters, double spread, ulong seed)
    {
        var rng = new Rng(seed);
        var centres = new float[(long)clusters * dim];
        rng.FillNormal(centres, 0, 1);
        for (int c = 0; c < clusters; c++) Normalise(centres.AsSpan(c * dim, dim));
        float[] Draw(int count)
        {
            var x = new float[(long)count * dim];
            rng.FillNormal(x, 0, (float)(spread / Math.Sqrt(dim)));
            for (int i = 0; i < count; i++)
            {
                var row = x.AsSpan(i * dim, dim);
                System.Numerics.Tensors.TensorPrimitives.Add(row, centres.AsSpan(rng.NextInt(clusters) * dim, dim), row);
                Normalise(row);
            }
            return x;
        }
        var gallery = Draw(n);
        return (gallery, Draw(nq));
    }

    private static void Normalise(Span<float> row)
    {
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
        if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
    }

    private static double Recall(long[] keys, Neighbours exact, int nq, int k)
    {
        long hits = 0;
        for (int q = 0; q < nq; q++)
        {
            var truth = exact.IndicesOf(q);
            for (int j = 0; j < k; j++)
                if (truth.Contains((int)keys[q * k + j])) hits++;
        }
        return hits / (double)(nq * k);
    }

    /// <summary>Queries per second over passes through the queries until <paramref name="seconds"/> have passed, on <paramref name="threads"/> threads.</summary>
    private static double QueriesPerSecond(VectorGraph graph, float[] queries, int nq, int dim, int k, int threads, double seconds, CancellationToken cancel)
    {
        long done = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel }, t =>
            {
                var keys = new long[k];
                var sims = new float[k];
                for (int q = t; q < nq; q += threads) graph.Search(queries.AsSpan(q * dim, dim), keys, sims);
            });
            done += nq;
        }
        while (clock.Elapsed.TotalSeconds < seconds);
        return done / clock.Elapsed.TotalSeconds;
    }

    private static double ResidentMegabytes()
    {
        GC.Collect();
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return 0;
    }
}
