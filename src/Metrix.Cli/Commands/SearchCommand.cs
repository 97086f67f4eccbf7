using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Metrix.Search;
using Metrix.Tensors;
using Metrix.Vision.Datasets;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary><c>metrix search</c>: the gallery images nearest to a query image by cosine similarity of their embeddings.</summary>
public sealed class SearchCommand : Command
{
    private readonly Option<string?> _checkpoint = Flags.OptionalText("checkpoint", "Checkpoint (.safetensors) written by metrix train (with --index: optional, must be the index's)");
    private readonly Option<string?> _gallery = Flags.OptionalText("gallery", "Folder of gallery images (searched recursively), embedded on every call");
    private readonly Option<string?> _index = Flags.OptionalText("index", "Instead of --gallery: an index directory written by metrix index build");
    private readonly Option<bool> _exact = Flags.Switch("exact", "With --index: exact search (blocked k-NN over the stored embeddings), whatever the index's default");
    private readonly Option<bool> _graph = Flags.Switch("graph", "With --index: search through the HNSW graph, whatever the index's default (metrix index info shows it)");
    private readonly Option<string> _query = Flags.RequiredText("query", "The query image (PNG, JPEG, WebP, BMP, GIF or TIFF); with --index also a folder of them");
    private readonly Option<int> _k = new("-k", "--k") { Description = "Number of results", DefaultValueFactory = _ => 5 };
    private readonly Option<int> _workers = Flags.Int("num_workers", "Loader threads", 2);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object");

    /// <summary>The command.</summary>
    public SearchCommand()
        : base("search", "Find the gallery images most similar to a query image, in an index or a folder.")
    {
        foreach (var option in new Option[] { _checkpoint, _gallery, _index, _exact, _graph, _query, _k, _workers, _threads, _json }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        int k = parse.GetValue(_k);
        if (k < 1) throw new UsageException($"-k: invalid value {k}; expected a positive count");
        string? indexDir = parse.GetValue(_index), galleryFlag = parse.GetValue(_gallery);
        if ((indexDir is null) == (galleryFlag is null)) throw new UsageException("give exactly one of --index INDEX and --gallery DIR");
        if (indexDir is not null) return SearchIndex(parse, context, indexDir, k);
        if (parse.GetValue(_exact)) throw new UsageException("--exact: only with --index (a --gallery search is always exact)");
        if (parse.GetValue(_graph)) throw new UsageException("--graph: only with --index (a --gallery search is always exact)");
        string queryPath = parse.GetValue(_query)!, galleryRoot = galleryFlag!;
        if (!File.Exists(queryPath)) throw new UsageException($"--query: file not found: {queryPath}");
        var model = CheckpointFlag.Load(parse.GetValue(_checkpoint) ?? throw new UsageException("--checkpoint: required with --gallery"));
        var gallery = EmbedCommand.Folder(galleryRoot);
        if (gallery.Count == 0) throw new UsageException($"--gallery: no image files ({string.Join(' ', ImageFolderDataset.Extensions)}) in {galleryRoot}");
        int workers = parse.GetValue(_workers);
        using var g = model.Embed(gallery, workers, 100, context);
        using var q = model.Embed(ImageSet.FromFiles("query", [new ImageItem(queryPath, 0)]), 1, 1, context);
        var hits = Nearest(q.Span, g.Span, g.Dim(1), Math.Min(k, gallery.Count));
        var rows = hits.Select(h => (Path: Path.GetRelativePath(galleryRoot, gallery.Items[h.Index].Path), h.Similarity)).ToList();
        if (parse.GetValue(_json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new
            {
                query = queryPath,
                results = rows.Select(r => new { path = r.Path, similarity = Math.Round(r.Similarity, 6) }),
            }));
            return ExitCodes.Success;
        }
        var table = new Table().Title(Markup.Escape($"nearest to {queryPath}"));
        table.AddColumn("#");
        table.AddColumn("image");
        table.AddColumn(new TableColumn("similarity").RightAligned());
        for (int i = 0; i < rows.Count; i++)
            table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(rows[i].Path), rows[i].Similarity.ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Output) }).Write(table);
        return ExitCodes.Success;
    }

    private int SearchIndex(ParseResult parse, CommandContext context, string indexDir, int k)
    {
        using var index = ImageIndex.Open(indexDir);
        var (model, _) = IndexSupport.Checkpoint(index.Manifest, indexDir, parse.GetValue(_checkpoint));
        string queryArg = parse.GetValue(_query)!;
        var queries = IndexSupport.Queries(queryArg);
        var vectors = IndexSupport.Embed(model, queries, parse.GetValue(_workers), 100, context);
        if (parse.GetValue(_exact) && parse.GetValue(_graph)) throw new UsageException("--exact and --graph: give at most one");
        var method = parse.GetValue(_exact) ? SearchMethod.Exact : parse.GetValue(_graph) ? SearchMethod.Graph : SearchMethod.Default;
        bool exact = index.IsExact(method);
        int dim = index.Dim;
        var results = new List<(string Query, IReadOnlyList<ImageHit> Hits)>();
        for (int q = 0; q < queries.Count; q++)
            results.Add((queries.Items[q].Path, index.Search(vectors.AsSpan(q * dim, dim), k, method)));
        if (parse.GetValue(_json))
        {
            object Hits(IReadOnlyList<ImageHit> hits) => hits.Select(h => new { id = h.Item.Id, path = h.Item.Path, label = h.Item.Label, similarity = Math.Round(h.Similarity, 6) });
            context.Output.WriteLine(File.Exists(queryArg)
                ? JsonSerializer.Serialize(new { query = queryArg, index = index.Directory, exact, results = Hits(results[0].Hits) })
                : JsonSerializer.Serialize(new { index = index.Directory, exact, queries = results.Select(r => new { query = r.Query, results = Hits(r.Hits) }) }));
            return ExitCodes.Success;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Output) });
        foreach (var (query, hits) in results)
        {
            var table = new Table().Title(Markup.Escape($"nearest to {query}{(exact ? " (exact)" : "")}"));
            table.AddColumn("#");
            table.AddColumn("id");
            table.AddColumn("image");
            table.AddColumn("label");
            table.AddColumn(new TableColumn("similarity").RightAligned());
            for (int i = 0; i < hits.Count; i++)
                table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), hits[i].Item.Id.ToString(CultureInfo.InvariantCulture), Markup.Escape(hits[i].Item.Path),
                    hits[i].Item.Label.ToString(CultureInfo.InvariantCulture), hits[i].Similarity.ToString("F4", CultureInfo.InvariantCulture));
            console.Write(table);
        }
        return ExitCodes.Success;
    }

    /// <summary>The <paramref name="k"/> rows of <paramref name="gallery"/> with the largest cosine similarity to <paramref name="query"/> (ties: lower index).</summary>
    internal static List<(int Index, double Similarity)> Nearest(ReadOnlySpan<float> query, ReadOnlySpan<float> gallery, int dim, int k)
    {
        double qn = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(query, query));
        var all = new List<(int Index, double Similarity)>();
        for (int i = 0; i * dim < gallery.Length; i++)
        {
            var row = gallery.Slice(i * dim, dim);
            double norm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row)) * qn;
            all.Add((i, norm > 0 ? System.Numerics.Tensors.TensorPrimitives.Dot(query, row) / norm : 0));
        }
        return all.OrderByDescending(h => h.Similarity).ThenBy(h => h.Index).Take(k).ToList();
    }
}
