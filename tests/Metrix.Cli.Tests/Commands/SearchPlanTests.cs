using System.Text.Json.Nodes;
using Metrix.Search;
using Metrix.Testing;

namespace Metrix.Cli.Tests;

/// <summary>
/// <see cref="ImageIndex.PlanSearch"/>: the default search an index build chooses for a recall target — exact below
/// <see cref="SearchPlan.MinGraphRows"/> rows or when no ef reaches the target, else the graph at the calibrated ef —
/// and that the plan is kept in the manifest and followed by <see cref="ImageIndex.Search"/>.
/// </summary>
public sealed class SearchPlanTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "metrix-plan-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private ImageIndex Build(float[] x, int dim, GraphOptions options, double target, string name = "index") =>
        ImageIndex.Build(Path.Combine(_root, name), x, dim, Enumerable.Range(0, x.Length / dim).Select(i => ($"/images/{i}.png", i % 7)).ToList(),
            new CheckpointIdentity("/checkpoints/model.safetensors", "00", new Dictionary<string, string>()),
            new IndexPreprocessing(32, "resize 256/224, centre crop", "0.485,0.456,0.406", "0.229,0.224,0.225"), options, threads: 1, recallTarget: target, calibrationSamples: 200);

    [Fact]
    public void A_small_gallery_is_searched_exactly_by_default_and_the_graph_on_request()
    {
        const int dim = 16;
        var x = UnitRows.Draw(SearchPlan.MinGraphRows - 1, dim, seed: 1);
        using var index = Build(x, dim, GraphOptions.Default, 0.99);
        Assert.Equal(SearchPlan.ExactMethod, index.Manifest.Search!.Method);
        Assert.Contains("fewer than 1000", index.Manifest.Search.Reason);
        Assert.True(index.IsExact(SearchMethod.Default));
        Assert.False(index.IsExact(SearchMethod.Graph));
        Assert.Equal(x.Length / dim, index.Graph.Count);
        var query = x.AsSpan(5 * dim, dim);
        Assert.Equal(index.Search(query, 10, SearchMethod.Exact).Select(h => h.Item.Id), index.Search(query, 10).Select(h => h.Item.Id));
    }

    [Fact]
    public void Easy_data_is_calibrated_at_the_floor_and_the_faster_of_graph_and_scan_kept_in_the_manifest()
    {
        const int dim = 8;
        var x = UnitRows.Draw(2000, dim, seed: 2);
        SearchPlan plan;
        using (var index = Build(x, dim, GraphOptions.Default, 0.99))
        {
            plan = index.Manifest.Search!;
            Assert.True(plan.GraphMicroseconds > 0 && plan.ExactMicroseconds > 0);
            Assert.Equal(plan.ExactMicroseconds <= plan.GraphMicroseconds ? SearchPlan.ExactMethod : SearchPlan.GraphMethod, plan.Method);
            Assert.Equal(plan.IsExact, index.IsExact(SearchMethod.Default));
            Assert.Equal(200, plan.Samples);
            Assert.Equal(10, plan.K);
            var point = Assert.Single(plan.Tried!);
            Assert.Equal(ExpansionCalibration.DefaultMinExpansion, point.Expansion);
            Assert.True(point.LowerBound >= 0.99);
            Assert.Equal(point.Expansion, index.Manifest.Graph.ExpansionSearch);
            Assert.Equal(point.Expansion, index.Graph.ExpansionSearch);
            Assert.Equal(2000, index.Graph.Count);
        }
        using var opened = ImageIndex.Open(Path.Combine(_root, "index"));
        Assert.Equal(plan, opened.Manifest.Search! with { Tried = plan.Tried });
        Assert.Equal(plan.Tried, opened.Manifest.Search.Tried);
        Assert.Equal(ExpansionCalibration.DefaultMinExpansion, opened.Graph.ExpansionSearch);
        Assert.Equal(0.99, opened.Manifest.Search.RecallTarget);
    }

    [Fact]
    public void A_weak_graph_is_searched_wider_and_an_unreachable_target_falls_back_to_exact_search()
    {
        const int dim = 48;
        var x = UnitRows.Draw(3000, dim, seed: 3);
        var weak = new GraphOptions(Connectivity: 2, ExpansionAdd: 4);
        using (var index = Build(x, dim, weak, 0.99, "weak"))
        {
            var tried = index.Manifest.Search!.Tried!;
            Assert.True(tried.Count >= 2, "a graph of 2 edges a node needs more than the floor");
            Assert.All(tried.Take(tried.Count - 1), t => Assert.True(t.LowerBound < 0.99));
            Assert.Equal(tried.Zip(tried.Skip(1), (a, b) => b.Expansion == Math.Min(2 * a.Expansion, ExpansionCalibration.MaxExpansion)), tried.Skip(1).Select(_ => true));
            Assert.Equal(tried[^1].Expansion, index.Graph.ExpansionSearch);
            if (tried[^1].LowerBound >= 0.99)
            {
                // Reached: the faster of the graph at that ef and the scan.
                Assert.True(index.Manifest.Search.GraphMicroseconds > 0);
                Assert.Equal(index.Manifest.Search.ExactMicroseconds <= index.Manifest.Search.GraphMicroseconds, index.Manifest.Search.IsExact);
            }
            else
            {
                Assert.Equal(ExpansionCalibration.MaxExpansion, tried[^1].Expansion);
                Assert.True(index.Manifest.Search.IsExact);
            }
        }

        // A sample's lower bound is always below 1, so a target of 1 is never reached: exact search by default.
        using var exact = Build(x, dim, GraphOptions.Default, 1.0, "exact");
        Assert.Equal(SearchPlan.ExactMethod, exact.Manifest.Search!.Method);
        Assert.Equal(ExpansionCalibration.MaxExpansion, exact.Manifest.Search.Tried![^1].Expansion);
        Assert.Contains($"no ef up to {ExpansionCalibration.MaxExpansion}", exact.Manifest.Search.Reason);
        var query = UnitRows.Draw(1, dim, seed: 99);
        Assert.Equal(exact.Search(query, 10, SearchMethod.Exact).Select(h => h.Item.Id), exact.Search(query, 10).Select(h => h.Item.Id));
    }

    [Fact]
    public void A_given_expansion_is_kept_and_an_index_without_a_plan_searches_through_the_graph()
    {
        const int dim = 8;
        var x = UnitRows.Draw(1500, dim, seed: 4);
        string dir = Path.Combine(_root, "given");
        using (var index = Build(x, dim, GraphOptions.Default with { ExpansionSearch = 40 }, 0, "given"))
        {
            Assert.Equal(SearchPlan.GraphMethod, index.Manifest.Search!.Method);
            Assert.Null(index.Manifest.Search.Tried);
            Assert.Equal(40, index.Graph.ExpansionSearch);
        }

        // Indexes written before plans existed have no "search" entry.
        string manifest = Path.Combine(dir, IndexManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json.Remove("search");
        File.WriteAllText(manifest, json.ToJsonString());
        using (var old = ImageIndex.Open(dir))
        {
            Assert.Null(old.Manifest.Search);
            Assert.False(old.IsExact(SearchMethod.Default));
        }

        json["search"] = new JsonObject { ["method"] = "fastest", ["reason"] = "?" };
        File.WriteAllText(manifest, json.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => ImageIndex.Open(dir));
        Assert.Contains(manifest, error.Message);
        Assert.Contains("'fastest'", error.Message);
    }
}
