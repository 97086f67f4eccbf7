using System.Text.Json;
using Metrix.Search;

namespace Metrix.Cli.Tests;

/// <summary>
/// <c>metrix bench index</c> on a few hundred vectors: a saved graph searched again gives the same recall, the
/// recall target is calibrated on held-out rows, and bad flag combinations are refused by name.
/// </summary>
public sealed class IndexBenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("metrix-bench-index-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Small = ["--n", "400", "--dim", "16", "--clusters", "40", "--queries", "30", "--seconds", "0.01", "--threads", "1", "--json"];

    private static JsonElement Run(params string[] args)
    {
        var (code, output, error) = CliRun.Run(["bench", "index", .. args]);
        Assert.True(code == ExitCodes.Success, error);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static double[] Recalls(JsonElement report) =>
        [.. report.GetProperty("search").EnumerateArray().Select(r => r.GetProperty("recall_at_k").GetDouble())];

    [Fact]
    public void A_saved_graph_loaded_again_gives_the_same_recall()
    {
        string prefix = Path.Combine(_dir, "v"), graph = Path.Combine(_dir, "g.usearch");
        var built = Run([.. Small, "--expansion_search", "8,16", "--write", prefix, "--save_graph", graph, "--progress", "100"]);
        Assert.True(File.Exists(graph));
        Assert.Equal("built", built.GetProperty("graph").GetString());
        var loaded = Run("--vectors", prefix, "--load_graph", graph, "--expansion_search", "8,16", "--seconds", "0.01", "--threads", "1", "--json");
        Assert.StartsWith("loaded from", loaded.GetProperty("graph").GetString());
        Assert.Equal(Recalls(built), Recalls(loaded));
    }

    [Fact]
    public void Recall_target_picks_the_first_expansion_reaching_it_and_measures_it_on_the_queries()
    {
        var report = Run([.. Small, "--expansion_search", "16", "--recall_target", "0.95", "--calibration_samples", "40", "--calibration_floor", "4"]);
        int chosen = report.GetProperty("calibrated_expansion_search").GetInt32();
        var tried = report.GetProperty("calibration_tried").EnumerateArray()
            .Select(t => (Ef: t.GetProperty("expansion_search").GetInt32(), Bound: t.GetProperty("lower_bound").GetDouble())).ToList();
        Assert.True(report.GetProperty("calibration_reached").GetBoolean());
        Assert.Equal(10, tried[0].Ef);
        Assert.Equal(chosen, tried[^1].Ef);
        Assert.True(tried[^1].Bound >= 0.95);
        Assert.All(tried[..^1], t => Assert.True(t.Bound < 0.95));
        Assert.True(report.GetProperty("exact_single_query_us").GetDouble() > 0);
        Assert.Contains(report.GetProperty("search").EnumerateArray(), r => r.GetProperty("expansion_search").GetInt32() == chosen);
        Assert.Equal(400, report.GetProperty("n").GetInt32());
    }

    [Fact]
    public void Plan_builds_as_index_build_does_and_reports_the_default_search()
    {
        var small = Run([.. Small, "--plan", "--recall_target", "0.99"]);
        Assert.Equal("exact", small.GetProperty("plan_method").GetString());
        Assert.Equal(1.0, small.GetProperty("default_recall_at_k").GetDouble());

        var report = Run("--n", "1500", "--dim", "16", "--clusters", "100", "--queries", "30", "--seconds", "0.01", "--threads", "1", "--json",
            "--plan", "--recall_target", "0.99", "--calibration_samples", "100");
        var tried = report.GetProperty("plan_tried").EnumerateArray().ToList();
        Assert.NotEmpty(tried);
        Assert.True(tried[^1].GetProperty("lower_bound").GetDouble() >= 0.99);
        string method = report.GetProperty("plan_method").GetString()!;
        Assert.Equal(report.GetProperty("plan_exact_us").GetDouble() <= report.GetProperty("plan_graph_us").GetDouble() ? "exact" : "graph", method);
        Assert.Equal(tried[^1].GetProperty("expansion_search").GetInt32(), report.GetProperty("plan_expansion_search").GetInt32());
        Assert.InRange(report.GetProperty("default_recall_at_k").GetDouble(), 0.9, 1.0);
    }

    [Theory]
    [InlineData("--plan", "--plan", "--plan")]
    [InlineData("--load_graph", "--load_graph", "--n", "50")]
    [InlineData("--recall_target", "--recall_target", "--recall_target", "1.5")]
    [InlineData("--calibration_samples", "--calibration_samples", "--recall_target", "0.9", "--calibration_samples", "400")]
    [InlineData("--progress", "--progress", "--progress", "-1")]
    [InlineData("--calibration_floor", "--calibration_floor", "--calibration_floor", "0")]
    public void Bad_flags_are_refused_by_name(string what, string named, params string[] args)
    {
        string[] extra = what == "--load_graph" ? ["--load_graph", Path.Combine(_dir, "none.usearch")] : [];
        var (code, _, error) = CliRun.Run(["bench", "index", .. Small, .. args, .. extra]);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(named, error);
    }
}
