using System.Globalization;
using System.Net;
using System.Text;
using Metrix.Evaluation;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;

namespace Metrix.Reports;

/// <summary>
/// A self-contained HTML page about one evaluation (<c>metrix eval --report DIR</c> writes <c>DIR/report.html</c>):
/// Recall@K and MAP@R, the training curves when the run's log is known, a seeded sample of queries with
/// their nearest neighbours (correct ones framed green, wrong ones red) and the classes with the lowest
/// per-class Recall@1. Images are inlined as PNG thumbnails and charts as SVG data, so the file needs
/// nothing beside it.
/// </summary>
/// <remarks>
/// Page structure (stable, for tools and tests): a <c>table</c> with id <c>metrics</c>; the charts as
/// <c>img</c> elements with class <c>chart</c>; one <c>div</c> with class <c>query-row</c> per sample query
/// (<c>data-query</c> its index), holding a <c>figure</c> with class <c>query</c> and one <c>figure</c> per
/// neighbour with class <c>neighbour hit</c> or <c>neighbour miss</c>; a <c>table</c> with id
/// <c>worst-classes</c> with one body row per class.
/// </remarks>
public sealed class RetrievalReport
{
    /// <summary>Name of the page written into the report directory.</summary>
    public const string FileName = "report.html";

    /// <summary>A training log larger than this is not read (the report leaves the curves out).</summary>
    public const long MaxLogBytes = 64L << 20;

    private readonly ImageSet _queries;
    private readonly ImageSet _gallery;
    private readonly IReadOnlyList<string> _classNames;
    private readonly ReportOptions _options;

    private RetrievalReport(string title, string dataset, RetrievalProtocol protocol, RetrievalResult result, ImageSet queries, ImageSet gallery,
        IReadOnlyList<string> classNames, IReadOnlyList<EpochRecord>? training, IReadOnlyList<ReportQuery> samples,
        IReadOnlyList<ClassRecall> classes, ReportOptions options)
    {
        Title = title;
        Dataset = dataset;
        Protocol = protocol;
        Result = result;
        _queries = queries;
        _gallery = gallery;
        _classNames = classNames;
        Training = training;
        Samples = samples;
        Classes = classes;
        _options = options;
    }

    /// <summary>What was evaluated (the checkpoint's path).</summary>
    public string Title { get; }

    /// <summary>The dataset's name.</summary>
    public string Dataset { get; }

    /// <summary>The retrieval protocol.</summary>
    public RetrievalProtocol Protocol { get; }

    /// <summary>Recall@K and MAP@R of the whole evaluation.</summary>
    public RetrievalResult Result { get; }

    /// <summary>The epochs of the training run, or null when its log is unknown.</summary>
    public IReadOnlyList<EpochRecord>? Training { get; }

    /// <summary>The sample queries with their neighbours, in query order.</summary>
    public IReadOnlyList<ReportQuery> Samples { get; }

    /// <summary>Per-class Recall@1 of every query class, worst first (ties: more queries first, then label).</summary>
    public IReadOnlyList<ClassRecall> Classes { get; }

    /// <summary>
    /// Builds the report of <paramref name="queryEmbeddings"/> [Nq, D] (unit rows) of <paramref name="queries"/>:
    /// searched among themselves, each excluding itself, when <paramref name="gallery"/> is null, else in the
    /// gallery. <paramref name="classNames"/> names labels (null: "class N"); <paramref name="training"/> are the
    /// run's epochs, if known.
    /// </summary>
    public static RetrievalReport Create(string title, string dataset, RetrievalProtocol protocol, RetrievalResult result,
        ImageSet queries, Tensor queryEmbeddings, ImageSet? gallery, Tensor? galleryEmbeddings,
        IReadOnlyList<string>? classNames = null, IReadOnlyList<EpochRecord>? training = null, ReportOptions? options = null)
    {
        options ??= new ReportOptions();
        options.Validate();
        if ((gallery is null) != (galleryEmbeddings is null))
            throw new ArgumentException("report: give the gallery together with its embeddings, or neither");
        if (queryEmbeddings.Rank != 2 || queryEmbeddings.Dim(0) != queries.Count)
            throw new ArgumentException($"report: {queries.Count} queries but embeddings of shape {Shapes.Format(queryEmbeddings.Shape)}");
        if (gallery is not null && (galleryEmbeddings!.Rank != 2 || galleryEmbeddings.Dim(0) != gallery.Count))
            throw new ArgumentException($"report: {gallery.Count} gallery items but embeddings of shape {Shapes.Format(galleryEmbeddings.Shape)}");
        bool self = gallery is null;
        var g = gallery ?? queries;
        int k = Math.Min(options.K, Knn.Available(g.Count, self));
        if (queries.Count == 0 || k == 0) throw new ArgumentException("report: needs at least one query and one other gallery item");

        int[] queryLabels = queries.Labels(), galleryLabels = g.Labels();
        var neighbours = Knn.Search(queryEmbeddings, galleryEmbeddings ?? queryEmbeddings, k, excludeSelf: self);
        string Name(int label) => classNames is not null && label >= 0 && label < classNames.Count
            ? classNames[label]
            : string.Create(CultureInfo.InvariantCulture, $"class {label}");

        // Per-class Recall@1 and, per class, the label retrieved first most often in place of a correct one.
        var hits = new Dictionary<int, (int Queries, int Hits, Dictionary<int, int> Wrong)>();
        for (int q = 0; q < queries.Count; q++)
        {
            int label = queryLabels[q], top = galleryLabels[neighbours.IndicesOf(q)[0]];
            if (!hits.TryGetValue(label, out var c)) c = (0, 0, []);
            c.Queries++;
            if (top == label) c.Hits++;
            else c.Wrong[top] = c.Wrong.GetValueOrDefault(top) + 1;
            hits[label] = c;
        }
        var classes = hits.Select(p =>
            {
                int? confused = p.Value.Wrong.Count == 0 ? null : p.Value.Wrong.OrderByDescending(w => w.Value).ThenBy(w => w.Key).First().Key;
                return new ClassRecall(p.Key, Name(p.Key), p.Value.Queries, (double)p.Value.Hits / p.Value.Queries, confused,
                    confused is { } c ? Name(c) : null);
            })
            .OrderBy(c => c.RecallAt1).ThenByDescending(c => c.Queries).ThenBy(c => c.Label).ToList();

        var chosen = new Rng(options.Seed).Choice(queries.Count, Math.Min(options.Queries, queries.Count), replace: false);
        Array.Sort(chosen);
        var samples = chosen.Select(q =>
        {
            var row = neighbours.IndicesOf(q);
            var sims = neighbours.SimilaritiesOf(q);
            var list = new ReportNeighbour[row.Length];
            for (int i = 0; i < row.Length; i++)
                list[i] = new ReportNeighbour(row[i], galleryLabels[row[i]], sims[i], galleryLabels[row[i]] == queryLabels[q]);
            return new ReportQuery(q, queryLabels[q], list);
        }).ToList();

        var names = Enumerable.Range(0, Math.Max(queryLabels.Max(), galleryLabels.Max()) + 1).Select(Name).ToList();
        return new RetrievalReport(title, dataset, protocol, result, queries, g, names, training, samples, classes, options);
    }

    /// <summary>
    /// The epochs of the run a checkpoint was written in: the checkpoint's folder when it holds
    /// <c>config.json</c> and <c>log.jsonl</c> (at most <see cref="MaxLogBytes"/>); otherwise null.
    /// </summary>
    public static IReadOnlyList<EpochRecord>? TrainingLogOf(string checkpointPath)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(checkpointPath));
        if (folder is null) return null;
        var log = new FileInfo(Path.Combine(folder, RunDirectory.LogFile));
        if (!log.Exists || log.Length > MaxLogBytes || !File.Exists(Path.Combine(folder, RunDirectory.ConfigFile))) return null;
        var records = RunDirectory.Open(folder).ReadLog();
        return records.Count == 0 ? null : records;
    }

    /// <summary>Writes <c>report.html</c> into <paramref name="directory"/> (created if needed) atomically and returns its path.</summary>
    public string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        AtomicFile.WriteAllText(path, ToHtml());
        return path;
    }

    /// <summary>The page.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append($"<title>Retrieval report: {E(Dataset)}</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append($"<h1>Retrieval report</h1>\n<p class=\"subtitle\">{E(Title)} on <b>{E(Dataset)}</b> ({E(Protocol.Name)} protocol): " +
                    $"{Result.Queries.ToString(CultureInfo.InvariantCulture)} queries{(Protocol.QueryVsGallery ? $" against {_gallery.Count.ToString(CultureInfo.InvariantCulture)} gallery images" : ", each searched among the others")}.</p>\n");

        html.Append("<table id=\"metrics\">\n<tr>");
        foreach (int k in Result.Ks) html.Append($"<th>R@{k.ToString(CultureInfo.InvariantCulture)}</th>");
        html.Append("<th>MAP@R</th></tr>\n<tr>");
        for (int i = 0; i < Result.Ks.Count; i++) html.Append($"<td>{P(Result.Recall[i])}</td>");
        html.Append($"<td>{(Result.MapAtR is { } m ? P(m) : "-")}</td></tr>\n</table>\n");

        if (Training is { Count: > 0 } training)
        {
            html.Append("<h2>Training</h2>\n<div class=\"charts\">\n");
            foreach (var chart in Charts(training))
                html.Append($"<img class=\"chart\" alt=\"{E(chart.Title)}\" width=\"{chart.Width}\" height=\"{chart.Height}\" src=\"data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(chart.ToSvg()))}\">\n");
            html.Append("</div>\n");
        }

        int hits = Samples.Sum(s => s.Neighbours.Count(n => n.Correct)), shown = Samples.Sum(s => s.Neighbours.Count);
        html.Append($"<h2>Sample queries</h2>\n<p class=\"note\">{Samples.Count} queries drawn with seed {_options.Seed.ToString(CultureInfo.InvariantCulture)}, " +
                    $"each with its {Samples.Max(s => s.Neighbours.Count)} nearest neighbours (cosine similarity below each): " +
                    $"<span class=\"key-hit\">same class</span> {hits}, <span class=\"key-miss\">other class</span> {shown - hits}.</p>\n<div id=\"queries\">\n");
        foreach (var sample in Samples)
        {
            html.Append($"<div class=\"query-row\" data-query=\"{sample.Index}\">\n");
            html.Append($"<figure class=\"query\">{Thumbnail(_queries, sample.Index)}<figcaption>{E(_classNames[sample.Label])}</figcaption></figure>\n");
            foreach (var n in sample.Neighbours)
                html.Append($"<figure class=\"neighbour {(n.Correct ? "hit" : "miss")}\" data-index=\"{n.Index}\" title=\"{E(_classNames[n.Label])}\">" +
                            $"{Thumbnail(_gallery, n.Index)}<figcaption>{n.Similarity.ToString("F3", CultureInfo.InvariantCulture)}</figcaption></figure>\n");
            html.Append("</div>\n");
        }
        html.Append("</div>\n");

        var worst = Classes.Take(_options.WorstClasses).ToList();
        html.Append($"<h2>Worst classes</h2>\n<p class=\"note\">The {worst.Count} of {Classes.Count} classes with the lowest Recall@1 of their queries.</p>\n");
        html.Append("<table id=\"worst-classes\">\n<thead><tr><th>class</th><th>queries</th><th>R@1</th><th>retrieved first instead</th></tr></thead>\n<tbody>\n");
        foreach (var c in worst)
            html.Append($"<tr><td>{E(c.Name)}</td><td>{c.Queries}</td><td>{P(c.RecallAt1)}</td><td>{E(c.ConfusedName ?? "-")}</td></tr>\n");
        html.Append("</tbody>\n</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static IEnumerable<LineChart> Charts(IReadOnlyList<EpochRecord> records)
    {
        double[] epochs = records.Select(r => r.Epoch + 1.0).ToArray();
        var loss = new LineChart { Title = "Training loss", XLabel = "epoch", YLabel = "loss", Width = 560, Height = 320 }
            .Add(new ChartSeries("total", epochs, records.Select(r => r.Loss).ToArray(), SeriesStyle.LineAndMarkers))
            .Add(new ChartSeries("clean", epochs, records.Select(r => r.CleanLoss).ToArray(), SeriesStyle.LineAndMarkers));
        if (records.Any(r => r.MixedLoss is not null))
            loss.Add(new ChartSeries("mixed", epochs, records.Select(r => r.MixedLoss ?? double.NaN).ToArray(), SeriesStyle.LineAndMarkers));
        yield return loss;

        var evaluated = records.Where(r => r.Recall is not null).ToList();
        if (evaluated.Count == 0) yield break;
        var ks = evaluated.SelectMany(r => r.Recall!.Keys).Distinct()
            .OrderBy(k => int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue)
            .ThenBy(k => k, StringComparer.Ordinal);
        var recall = new LineChart { Title = "Recall@K", XLabel = "epoch", YLabel = "Recall@K (%)", Width = 560, Height = 320 };
        double[] evaluatedEpochs = evaluated.Select(r => r.Epoch + 1.0).ToArray();
        foreach (string k in ks)
            recall.Add(new ChartSeries("R@" + k, evaluatedEpochs,
                evaluated.Select(r => r.Recall!.TryGetValue(k, out double v) ? v : double.NaN).ToArray(), SeriesStyle.LineAndMarkers));
        yield return recall;
    }

    // An <img> holding the image scaled so that its longer side is the thumbnail size; an unreadable image is named instead.
    private string Thumbnail(ImageSet set, int index)
    {
        string path = set.Items[index].Path;
        try
        {
            var image = ImageDecoder.Decode(set.ReadBytes(index), path);
            double scale = (double)_options.ThumbnailSize / Math.Max(image.Width, image.Height);
            int w = Math.Max(1, (int)Math.Round(image.Width * scale)), h = Math.Max(1, (int)Math.Round(image.Height * scale));
            var small = Metrix.Vision.Transforms.Resampler.Resize(image, w, h);
            return $"<img alt=\"{E(Path.GetFileName(path))}\" width=\"{w}\" height=\"{h}\" src=\"data:image/png;base64,{Convert.ToBase64String(PngEncoder.Encode(small))}\">";
        }
        catch (Exception e) when (e is ImageDecodeException or IOException or KeyNotFoundException)
        {
            return $"<span class=\"unreadable\" title=\"{E(e.Message)}\">unreadable: {E(Path.GetFileName(path))}</span>";
        }
    }

    private static string P(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Style = """
        body { font-family: sans-serif; margin: 24px; color: #222; background: #fff; }
        h1 { margin: 0 0 4px 0; font-size: 24px; }
        h2 { margin: 24px 0 8px 0; font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .subtitle, .note { color: #555; margin: 4px 0 12px 0; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
        th { background: #f4f4f4; }
        #worst-classes td:first-child, #worst-classes td:last-child { text-align: left; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; }
        .query-row { display: flex; align-items: flex-start; gap: 8px; margin-bottom: 8px; }
        figure { margin: 0; text-align: center; font-size: 11px; }
        figure img { display: block; box-sizing: content-box; }
        figcaption { max-width: 84px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        .query { margin-right: 16px; }
        .query img { border: 4px solid #1f77b4; }
        .hit img { border: 4px solid #2ca02c; }
        .miss img { border: 4px solid #d62728; }
        .key-hit { color: #2ca02c; font-weight: bold; }
        .key-miss { color: #d62728; font-weight: bold; }
        .unreadable { display: inline-block; width: 72px; height: 72px; font-size: 10px; background: #eee; }

        """;
}
