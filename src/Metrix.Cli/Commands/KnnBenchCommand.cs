using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Evaluation;
using Metrix.Tensors;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix bench knn</c>: time and peak memory of Recall@K evaluation at a dataset's scale (default: Stanford
/// Online Products' 60,502 test images, 11,316 classes, SOP protocol) on random unit embeddings — the exact
/// blocked k-NN never holds the N × N similarity matrix.
/// </summary>
public sealed class KnnBenchCommand : Command
{
    private readonly Option<int> _n = Flags.Int("n", "Embeddings", 60502);
    private readonly Option<int> _dim = Flags.Int("dim", "Embedding width", 512);
    private readonly Option<int> _classes = Flags.Int("classes", "Classes (labels drawn uniformly)", 11316);
    private readonly Option<string> _protocol = Flags.Text("protocol", "Protocol: sop (K = 1 10 100 1000) or cub (K = 1 … 32)", "sop");
    private readonly Option<bool> _mapAtR = Flags.Switch("map_at_r", "Also compute MAP@R");
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object");

    /// <summary>The command.</summary>
    public KnnBenchCommand()
        : base("knn", "Time exact k-NN Recall@K at a dataset's scale on random embeddings (default: SOP's test set).")
    {
        foreach (var option in new Option[] { _n, _dim, _classes, _protocol, _mapAtR, _threads, _json }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        int n = parse.GetValue(_n), dim = parse.GetValue(_dim), classes = parse.GetValue(_classes);
        if (n < 2 || dim < 1 || classes < 1) throw new UsageException("--n must be at least 2, --dim and --classes positive");
        string name = parse.GetValue(_protocol)!;
        if (name is not ("sop" or "cub")) throw new UsageException($"--protocol: '{name}' is not accepted; accepted: sop, cub");
        var rng = new Rng(1);
        using var x = Tensor.Empty(n, dim);
        rng.FillNormal(x.Span, 0, 1);
        for (int i = 0; i < n; i++)
        {
            var row = x.Span.Slice(i * dim, dim);
            float norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row));
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = rng.NextInt(classes);
        double before = Math.Round(BenchCommand.PeakResidentMegabytes(), 1);
        var clock = Stopwatch.StartNew();
        var result = Retrieval.Evaluate(RetrievalProtocol.ForDataset(name), x, labels, mapAtR: parse.GetValue(_mapAtR));
        double seconds = clock.Elapsed.TotalSeconds;
        var report = new Dictionary<string, object>
        {
            ["benchmark"] = "knn", ["engine"] = "metrix", ["n"] = n, ["dim"] = dim, ["classes"] = classes, ["protocol"] = name,
            ["seconds"] = Math.Round(seconds, 3), ["peak_memory_mb"] = Math.Round(BenchCommand.PeakResidentMegabytes(), 1), ["embeddings_mb"] = Math.Round(n * (double)dim * 4 / 1e6, 1),
            ["peak_memory_mb_before"] = before, ["threads"] = Workers.Threads, ["recall_at_1"] = Math.Round(result.Recall[0] * 100, 3),
        };
        context.Output.WriteLine(parse.GetValue(_json)
            ? JsonSerializer.Serialize(report)
            : string.Join("\n", report.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key,-22} {kv.Value}"))));
        return ExitCodes.Success;
    }
}
