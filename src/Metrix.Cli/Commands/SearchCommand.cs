using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Metrix.Tensors;
using Metrix.Vision.Datasets;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary><c>metrix search</c>: the gallery images nearest to a query image by cosine similarity of their embeddings.</summary>
public sealed class SearchCommand : Command
{
    private readonly Option<string> _checkpoint = Flags.RequiredText("checkpoint", "Checkpoint (.safetensors) written by metrix train");
    private readonly Option<string> _gallery = Flags.RequiredText("gallery", "Folder of gallery images (searched recursively)");
    private readonly Option<string> _query = Flags.RequiredText("query", "The query image (PNG, JPEG, WebP, BMP, GIF or TIFF)");
    private readonly Option<int> _k = new("-k", "--k") { Description = "Number of results", DefaultValueFactory = _ => 5 };
    private readonly Option<int> _workers = Flags.Int("num_workers", "Loader threads", 2);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object");

    /// <summary>The command.</summary>
    public SearchCommand()
        : base("search", "Find the gallery images most similar to a query image.")
    {
        foreach (var option in new Option[] { _checkpoint, _gallery, _query, _k, _workers, _threads, _json }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        int k = parse.GetValue(_k);
        if (k < 1) throw new UsageException($"-k: invalid value {k}; expected a positive count");
        string queryPath = parse.GetValue(_query)!, galleryRoot = parse.GetValue(_gallery)!;
        if (!File.Exists(queryPath)) throw new UsageException($"--query: file not found: {queryPath}");
        var model = CheckpointFlag.Load(parse.GetValue(_checkpoint)!);
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
