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
/// A built graph can be saved and loaded again for another round of queries without rebuilding it (a build
/// of a million vectors takes minutes to hours on a shared machine).
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
    private readonly Option<string?> _saveGraph = Flags.OptionalText("save_graph", "Write the built graph to PATH (for --load_graph)");
    private readonly Option<string?> _loadGraph = Flags.OptionalText("load_graph", "Load the graph from PATH (written by --save_graph over the same --vectors) instead of building it");
    private readonly Option<int> _progress = Flags.Int("progress", "Print a progress line to stderr every this many inserted vectors (0 = none)", 100000);
    private readonly Option<double> _recallTarget = Flags.Double("recall_target", "Also pick the smallest ef whose recall@k on gallery rows held out of the graph reaches this (95 % lower bound), as metrix index build does, and measure it on the queries (0 = off)", 0);
    private readonly Option<int> _calibrationSamples = Flags.Int("calibration_samples", "Gallery rows held out and searched for by --recall_target", ExpansionCalibration.DefaultSamples);
    private readonly Option<int> _calibrationFloor = Flags.Int("calibration_floor", "First ef --recall_target tries", ExpansionCalibration.DefaultMinExpansion);
    private readonly Option<bool> _plan = Flags.Switch("plan", "Build as metrix index build does (ImageIndex.PlanSearch with --recall_target and --calibration_samples) and report the default search it chooses");
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object");

    /// <summary>The command.</summary>
    public IndexBenchCommand()
        : base("index", "Time the approximate index (USearch HNSW) against exact search: build, memory, queries per second, recall@k.")
    {
        foreach (var option in new Option[] { _vectors, _write, _n, _dim, _clusters, _spread, _queries, _k, _connectivity, _expansionAdd, _expansionSearch, _seconds, _threads, _saveGraph, _loadGraph, _progress, _recallTarget, _calibrationSamples, _calibrationFloor, _plan, _json })
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
        // One query at a time, as metrix serve and an index planned for exact search answer them.
        int singles = Math.Min(nq, 50);
        clock.Restart();
        for (int q = 0; q < singles; q++) Knn.Search(queries.AsSpan(q * dim, dim), gallery, dim, k);
        double exactSingleMicroseconds = clock.Elapsed.TotalMicroseconds / singles;

        double rssBefore = ResidentMegabytes();
        var options = new GraphOptions(parse.GetValue(_connectivity), parse.GetValue(_expansionAdd)).Validate();
        double? buildSeconds = null;
        ExpansionChoice? choice = null;
        double calibrationSeconds = 0;
        double target = parse.GetValue(_recallTarget);
        int samples = parse.GetValue(_calibrationSamples);
        if (target is < 0 or > 1) throw new UsageException($"--recall_target: invalid value {target}; expected 0 (off) or a recall in (0, 1]");
        if (target != 0 && samples < 1) throw new UsageException($"--calibration_samples: invalid value {samples}; expected a positive count");
        int floor = parse.GetValue(_calibrationFloor);
        if (floor is < 1 or > ExpansionCalibration.MaxExpansion) throw new UsageException($"--calibration_floor: invalid value {floor}; expected 1 to {ExpansionCalibration.MaxExpansion}");
        if (target != 0 && parse.GetValue(_loadGraph) is not null)
            throw new UsageException("--recall_target calibrates while building (on rows held out of the graph); it cannot be used with --load_graph");
        bool planned = parse.GetValue(_plan);
        if (planned && (target == 0 || parse.GetValue(_loadGraph) is not null))
            throw new UsageException("--plan builds the graph as metrix index build does: it needs --recall_target and cannot be used with --load_graph");
        SearchPlan? plan = null;
        int[] heldOut = [];
        string buildLoad = "";
        VectorGraph graph;
        if (parse.GetValue(_loadGraph) is string load)
        {
            if (parse.GetValue(_vectors) is null) throw new UsageException("--load_graph needs --vectors: the graph is searched for the queries of the vectors it was built from");
            if (!File.Exists(load)) throw new UsageException($"--load_graph: {load} does not exist");
            graph = VectorGraph.Load(load, dim, options);
            if (graph.Count != n)
            {
                graph.Dispose();
                throw new UsageException($"--load_graph: {load} holds {graph.Count} vectors, {parse.GetValue(_vectors)}.base.npy has {n}");
            }
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {load}: {n} x {dim}"));
        }
        else
        {
            int every = parse.GetValue(_progress);
            if (every < 0) throw new UsageException($"--progress: invalid value {every}; expected 0 (none) or a positive count");
            if (target != 0 && !planned)
            {
                if (samples >= n) throw new UsageException($"--calibration_samples: {samples} must be below --n ({n})");
                heldOut = ExpansionCalibration.HeldOutRows(n, samples, seed: 7);
            }
            var held = new HashSet<int>(heldOut);
            var order = Enumerable.Range(0, n).Where(r => !held.Contains(r)).ToArray();
            clock.Restart();
            graph = VectorGraph.Create(dim, options);
            if (planned)
            {
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"building {n} x {dim} and planning its default search as metrix index build does"));
                plan = ImageIndex.PlanSearch(graph, gallery, target, samples, threads, context.Cancellation);
                context.Error.WriteLine($"default search: {plan.Method} ({plan.Reason})");
                order = [];
            }
            // Inserted in chunks only to report progress; each chunk is inserted on all threads, and the
            // graph is the same as one Add of all rows would give up to the order of concurrent inserts.
            int chunk = every > 0 ? every : n;
            for (int start = 0; start < order.Length; start += chunk)
            {
                int count = Math.Min(chunk, order.Length - start);
                graph.AddRows(gallery, new ArraySegment<int>(order, start, count), threads, context.Cancellation);
                if (every > 0 && start + count < n)
                    context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"added {start + count} / {n} in {clock.Elapsed.TotalSeconds:F1} s"));
            }
            if (heldOut.Length > 0)
            {
                // The held-out rows are searched for before they are inserted (ExpansionCalibration says why).
                var insertion = clock.Elapsed;
                var calibrationClock = Stopwatch.StartNew();
                choice = ExpansionCalibration.Calibrate(graph, gallery, heldOut, k, target, threads, floor);
                calibrationSeconds = calibrationClock.Elapsed.TotalSeconds;
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"calibrated on {choice.Samples} held-out rows in {calibrationSeconds:F1} s: {string.Join(", ", choice.Tried.Select(t => $"ef {t.Expansion} -> {t.Recall:F4} (bound {t.LowerBound:F4})"))}; chose ef {choice.Expansion}{(choice.Reached ? "" : " (target not reached)")}"));
                clock.Restart();
                graph.AddRows(gallery, heldOut, threads, context.Cancellation);
                buildSeconds = insertion.TotalSeconds + clock.Elapsed.TotalSeconds;
            }
            buildSeconds = buildSeconds is double soFar ? soFar : clock.Elapsed.TotalSeconds;
            buildLoad = LoadAverage();
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built {n} x {dim} in {buildSeconds:F1} s (load average {buildLoad})"));
            if (parse.GetValue(_saveGraph) is string save)
            {
                string temp = save + ".tmp";
                graph.Save(temp);
                File.Move(temp, save, overwrite: true);
                context.Error.WriteLine($"saved the graph to {save}");
            }
        }
        using var owned = graph;
        double rssAfter = ResidentMegabytes();

        if (choice is not null && !efs.Contains(choice.Expansion)) efs = [.. efs.Append(choice.Expansion).Order()];
        if (plan is { IsExact: false } && !efs.Contains(graph.ExpansionSearch)) efs = [.. efs.Append(graph.ExpansionSearch).Order()];
        int plannedExpansion = graph.ExpansionSearch;

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
                ["load_average"] = LoadAverage(),
            });
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ef {ef}: recall@{k} {recall:F4}, {single:F0} q/s on 1 thread, {multi:F0} q/s on {threads}"));
        }
        var report = new Dictionary<string, object>
        {
            ["benchmark"] = "index", ["engine"] = "metrix-usearch", ["vectors"] = source, ["n"] = n, ["dim"] = dim, ["queries"] = nq, ["k"] = k,
            ["connectivity"] = options.Connectivity, ["expansion_add"] = options.ExpansionAdd, ["threads"] = threads,
            ["graph"] = parse.GetValue(_loadGraph) is string loaded ? "loaded from " + loaded : "built",
            ["build_seconds"] = buildSeconds is double b ? Math.Round(b, 2) : "not built (loaded)",
            [buildSeconds is null ? "load_rss_mb" : "build_rss_mb"] = Math.Round(rssAfter - rssBefore, 1),
            ["build_load_average"] = buildLoad,
            ["graph_memory_mb"] = Math.Round(graph.MemoryBytes / 1e6, 1), ["vectors_mb"] = Math.Round((double)n * dim * 4 / 1e6, 1),
            ["exact_seconds"] = Math.Round(exactSeconds, 3), ["exact_qps"] = Math.Round(nq / exactSeconds, 0),
            ["exact_single_query_us"] = Math.Round(exactSingleMicroseconds, 1),
            ["peak_memory_mb"] = Math.Round(BenchCommand.PeakResidentMegabytes(), 1), ["search"] = rows,
        };
        if (plan is not null)
        {
            report["recall_target"] = target;
            report["plan_method"] = plan.Method;
            report["plan_expansion_search"] = plannedExpansion;
            report["plan_reason"] = plan.Reason;
            report["plan_graph_us"] = plan.GraphMicroseconds is double pg ? pg : "not timed";
            report["plan_exact_us"] = plan.ExactMicroseconds is double pe ? pe : "not timed";
            var planRow = rows.FirstOrDefault(r => (int)r["expansion_search"] == plannedExpansion);
            report["default_recall_at_k"] = plan.IsExact ? 1.0 : planRow!["recall_at_k"];
            report["default_latency_us_1_query"] = plan.IsExact ? Math.Round(exactSingleMicroseconds, 1) : planRow!["latency_us_1_thread"];
            report["plan_tried"] = (plan.Tried ?? []).Select(t => new Dictionary<string, object> { ["expansion_search"] = t.Expansion, ["recall_at_k"] = Math.Round(t.Recall, 4), ["lower_bound"] = Math.Round(t.LowerBound, 4) }).ToList();
        }
        if (choice is not null)
        {
            report["recall_target"] = target;
            report["calibrated_expansion_search"] = choice.Expansion;
            report["calibration_recall_at_k"] = Math.Round(choice.Recall, 4);
            report["calibration_lower_bound"] = Math.Round(choice.LowerBound, 4);
            report["calibration_floor"] = floor;
            report["calibration_reached"] = choice.Reached;
            report["calibration_samples"] = choice.Samples;
            report["calibration_seconds"] = Math.Round(calibrationSeconds, 2);
            report["calibration_tried"] = choice.Tried.Select(t => new Dictionary<string, object> { ["expansion_search"] = t.Expansion, ["recall_at_k"] = Math.Round(t.Recall, 4), ["lower_bound"] = Math.Round(t.LowerBound, 4) }).ToList();
        }
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

    /// <summary>The 1, 5 and 15 minute load averages of the machine (Linux), empty elsewhere: timings are only comparable at similar load.</summary>
    private static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : "";
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
