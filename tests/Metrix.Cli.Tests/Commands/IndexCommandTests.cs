using System.Text.Json;
using Metrix.Search;

namespace Metrix.Cli.Tests;

/// <summary><c>metrix index build|add|info</c> and <c>metrix search --index</c> on emoji images with a tiny random checkpoint.</summary>
public sealed class IndexCommandTests(SearchFixture fx) : IClassFixture<SearchFixture>, IDisposable
{
    private readonly SearchFixture _fx = fx;

    public void Dispose() => ImageIndex.Stage = null;

    [Fact]
    public void BuildWritesAnIndexThatInfoDescribesAndSearchFindsTheQueryItselfFirst()
    {
        string index = _fx.CopyOfIndex();
        Assert.True(File.Exists(Path.Combine(index, "manifest.json")));
        var (code, output, error) = CliRun.Run("index", "info", index, "--json");
        Assert.True(code == 0, error);
        using (var info = JsonDocument.Parse(output))
        {
            Assert.Equal(_fx.Images.Length, info.RootElement.GetProperty("count").GetInt32());
            Assert.Equal(16, info.RootElement.GetProperty("dim").GetInt32());
            Assert.Equal(3, info.RootElement.GetProperty("classes").GetInt32());
            Assert.Equal(CheckpointIdentity.Of(_fx.Checkpoint).Sha256, info.RootElement.GetProperty("checkpoint_sha256").GetString());
            Assert.Equal(32, info.RootElement.GetProperty("image_size").GetInt32());
            // A few dozen images: exact search by default (SearchPlanTests covers the calibrated graph).
            Assert.Equal("exact", info.RootElement.GetProperty("search").GetString());
        }

        string query = _fx.Images[4];
        var approximate = Search(index, query, 5, "--graph");
        var exact = Search(index, query, 5, "--exact");
        Assert.Equal(exact, Search(index, query, 5));
        Assert.Equal(Path.GetFullPath(query), approximate[0].Path);
        Assert.Equal(1.0, approximate[0].Similarity, 4);
        // A graph over a few dozen points is searched exhaustively: the same neighbours as the exact reference.
        Assert.Equal(exact.Select(h => h.Id), approximate.Select(h => h.Id));
        Assert.Equal(exact.Select(h => h.Similarity), approximate.Select(h => h.Similarity), (a, b) => Math.Abs(a - b) < 1e-4);

        // Without --json: one table per query of a folder.
        (code, output, error) = CliRun.Run("search", "--index", index, "--query", Path.Combine(_fx.Gallery, "class1"), "-k", "2");
        Assert.True(code == 0, error);
        Assert.Equal(Directory.GetFiles(Path.Combine(_fx.Gallery, "class1")).Length, output.Split("nearest to").Length - 1);
    }

    [Fact]
    public void AddExtendsTheIndexWithoutRebuildingAndKeepsIds()
    {
        string index = _fx.CopyOfIndex(0, 1);
        int before = Count(index);
        string more = _fx.Subset("more", 2);
        var (code, _, error) = CliRun.Run("index", "add", index, "--images", more);
        Assert.True(code == 0, error);
        int added = Directory.GetFiles(more, "*.png", SearchOption.AllDirectories).Length;
        Assert.Equal(before + added, Count(index));
        // Only the new generation's files remain.
        Assert.Equal(["embeddings.2.npy", "graph.2.usearch", "items.2.jsonl", "manifest.json"],
            Directory.GetFiles(index).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        string query = Directory.GetFiles(Path.Combine(more, "class2"))[0];
        var hits = Search(index, query, 3);
        Assert.Equal(Path.GetFullPath(query), hits[0].Path);
        Assert.True(hits[0].Id >= before);
    }

    [Fact]
    public void AnotherCheckpointIsRefusedByName()
    {
        string index = _fx.CopyOfIndex();
        var (code, _, error) = CliRun.Run("search", "--index", index, "--query", _fx.Images[0], "--checkpoint", _fx.Other);
        Assert.Equal(2, code);
        Assert.Contains("other.safetensors", error);
        Assert.Contains("model.safetensors", error);
        Assert.Contains("is not the checkpoint", error);
        (code, _, error) = CliRun.Run("index", "add", index, "--images", _fx.Subset("more", 2), "--checkpoint", _fx.Other);
        Assert.Equal(2, code);
        Assert.Contains("other.safetensors", error);
        // The same checkpoint named explicitly is accepted.
        (code, _, error) = CliRun.Run("search", "--index", index, "--query", _fx.Images[0], "--checkpoint", _fx.Checkpoint);
        Assert.True(code == 0, error);
    }

    [Theory]
    [InlineData("items-written")]
    [InlineData("graph-written")]
    public void AFailureMidAddLeavesThePreviousIndexUsable(string stage)
    {
        string index = _fx.CopyOfIndex(0, 1);
        int before = Count(index);
        ImageIndex.Stage = s => { if (s == stage) throw new IOException("simulated crash at " + s); };
        var (code, _, error) = CliRun.Run("index", "add", index, "--images", _fx.Subset("more", 2));
        ImageIndex.Stage = null;
        Assert.Equal(1, code);
        Assert.Contains("simulated crash", error);
        Assert.Equal(before, Count(index));
        string query = Directory.GetFiles(Path.Combine(_fx.ImagesOf(0, 1), "class0"))[0];
        var hits = Search(index, query, 1);
        Assert.Equal(Path.GetFullPath(query), hits[0].Path);
        // The next add succeeds and clears what the failed one left.
        (code, _, error) = CliRun.Run("index", "add", index, "--images", _fx["more"]);
        Assert.True(code == 0, error);
        Assert.Equal(4, Directory.GetFiles(index).Length);
    }

    [Fact]
    public void AFailureMidBuildLeavesNoIndexOrThePreviousOne()
    {
        ImageIndex.Stage = s => { if (s == "before-rename") throw new IOException("simulated crash"); };
        string fresh = _fx.Fresh("fresh");
        var (code, _, _) = CliRun.Run("index", "build", "--checkpoint", _fx.Checkpoint, "--images", _fx.Gallery, "--out", fresh);
        Assert.Equal(1, code);
        Assert.False(Directory.Exists(fresh));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(fresh)!, "." + Path.GetFileName(fresh) + "*"));

        ImageIndex.Stage = null;
        string index = _fx.CopyOfIndex(0);
        int before = Count(index);
        ImageIndex.Stage = s => { if (s == "graph-written") throw new IOException("simulated crash"); };
        (code, _, _) = CliRun.Run("index", "build", "--checkpoint", _fx.Checkpoint, "--images", _fx.Gallery, "--out", index);
        ImageIndex.Stage = null;
        Assert.Equal(1, code);
        Assert.Equal(before, Count(index));
        // A rebuild over an index replaces it.
        _fx.Build(_fx.Gallery, index);
        Assert.Equal(_fx.Images.Length, Count(index));
    }

    [Theory]
    [InlineData("manifest.json", "truncate")]
    [InlineData("embeddings.1.npy", "truncate")]
    [InlineData("items.1.jsonl", "garble")]
    [InlineData("graph.1.usearch", "delete")]
    public void ADamagedIndexGivesAnErrorNamingTheFile(string file, string damage)
    {
        string index = _fx.CopyOfIndex();
        string path = Path.Combine(index, file);
        switch (damage)
        {
            case "truncate":
                File.WriteAllBytes(path, File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 2)]);
                break;
            case "garble":
                File.WriteAllText(path, "{\"id\": 0, \"path\": \"a.png\", \"label\": 0}\nnot json\n");
                break;
            default:
                File.Delete(path);
                break;
        }
        var (code, output, error) = CliRun.Run("search", "--index", index, "--query", _fx.Images[0]);
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains(file, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void AnIndexWhoseCheckpointIsGoneFailsNamingItNotAsUsage()
    {
        string index = _fx.CopyOfIndex();
        string manifest = Path.Combine(index, "manifest.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        string gone = Path.Combine(index, "gone.safetensors");
        json["checkpoint"]!["path"] = gone;
        File.WriteAllText(manifest, json.ToJsonString());
        var (code, _, error) = CliRun.Run("search", "--index", index, "--query", _fx.Images[0]);
        Assert.Equal(1, code);
        Assert.Contains(gone, error);
    }

    [Fact]
    public void UsageErrorsNameTheFlag()
    {
        var (code, _, error) = CliRun.Run("search", "--query", _fx.Images[0]);
        Assert.Equal(2, code);
        Assert.Contains("--index", error);
        (code, _, error) = CliRun.Run("index", "build", "--checkpoint", _fx.Checkpoint, "--images", _fx.Gallery, "--out", _fx.Fresh("x"), "--connectivity", "1");
        Assert.Equal(2, code);
        Assert.Contains("--connectivity", error);
        (code, _, error) = CliRun.Run("index", "build", "--checkpoint", _fx.Checkpoint, "--images", _fx.Gallery, "--out", _fx.Fresh("y"), "--recall_target", "1.5");
        Assert.Equal(2, code);
        Assert.Contains("--recall_target", error);
        (code, _, error) = CliRun.Run("search", "--index", _fx.CopyOfIndex(), "--query", _fx.Images[0], "--exact", "--graph");
        Assert.Equal(2, code);
        Assert.Contains("--exact and --graph", error);
        (code, _, error) = CliRun.Run("index", "info", _fx["missing"]);
        Assert.Equal(1, code);
        Assert.Contains("missing", error);
    }

    private static int Count(string index)
    {
        var (code, output, error) = CliRun.Run("index", "info", index, "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("count").GetInt32();
    }

    private List<(long Id, string Path, double Similarity)> Search(string index, string query, int k, params string[] extra)
    {
        var (code, output, error) = CliRun.Run(["search", "--index", index, "--query", query, "-k", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", .. extra]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => (r.GetProperty("id").GetInt64(), r.GetProperty("path").GetString()!, r.GetProperty("similarity").GetDouble())).ToList();
    }
}
