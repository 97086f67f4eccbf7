using System.Text.RegularExpressions;
using Metrix.Evaluation;
using Metrix.Reports;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;

namespace Metrix.Tests;

/// <summary>
/// The retrieval report on a synthetic set (5 classes of solid-colour images, noisy class embeddings): its
/// neighbours and per-class Recall@1 against a brute-force search written here, and the page as headless
/// Chromium renders it (screenshot and DOM).
/// </summary>
public sealed class RetrievalReportTests
{
    private const int Classes = 5, PerClass = 4, Dim = 6;

    private static readonly (byte R, byte G, byte B)[] Colours = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (204, 121, 167)];

    // A split of solid-colour PNGs (shade varies within a class) held in memory, with noisy one-hot embeddings.
    private static (ImageSet Set, Tensor Embeddings) Synthetic(string name, ulong seed)
    {
        var rng = new Rng(seed);
        var files = new Dictionary<string, byte[]>();
        var items = new List<ImageItem>();
        var e = new float[Classes * PerClass * Dim];
        for (int c = 0; c < Classes; c++)
            for (int i = 0; i < PerClass; i++)
            {
                string path = $"{name}/c{c}/{i}.png";
                var (r, g, b) = Colours[c];
                files[path] = TinyImages.Png(12 + i, 12, (byte)(r * (4 - i) / 4), (byte)(g * (4 - i) / 4), (byte)(b * (4 - i) / 4));
                int row = items.Count;
                items.Add(new ImageItem(path, c));
                double norm = 0;
                for (int d = 0; d < Dim; d++)
                {
                    float v = (d == c ? 1f : 0f) + 0.9f * (float)rng.Normal();
                    e[row * Dim + d] = v;
                    norm += v * v;
                }
                for (int d = 0; d < Dim; d++) e[row * Dim + d] /= (float)Math.Sqrt(norm);
            }
        return (new ImageSet(name, items, p => files[p]), Tensor.FromArray(e, items.Count, Dim));
    }

    // Nearest neighbours by a plain double-precision scan (ties cannot occur with random embeddings).
    private static int[] BruteForce(Tensor q, int query, Tensor g, bool self, int k)
    {
        var qs = q.Span;
        var gs = g.Span;
        var scored = new List<(double S, int I)>();
        for (int j = 0; j < g.Dim(0); j++)
        {
            if (self && j == query) continue;
            double s = 0;
            for (int d = 0; d < Dim; d++) s += (double)qs[query * Dim + d] * gs[j * Dim + d];
            scored.Add((s, j));
        }
        return scored.OrderByDescending(p => p.S).Take(k).Select(p => p.I).ToArray();
    }

    private static RetrievalReport Build(bool withGallery, IReadOnlyList<EpochRecord>? training = null, ulong seed = 1)
    {
        var (queries, q) = Synthetic("query", 11);
        var (gallery, g) = withGallery ? Synthetic("gallery", 12) : (null, null);
        var protocol = withGallery ? RetrievalProtocol.InShop : RetrievalProtocol.Cub;
        var result = Retrieval.Evaluate(protocol, q, queries.Labels(), g, gallery?.Labels() ?? default, mapAtR: true);
        return RetrievalReport.Create("synthetic.safetensors", "synthetic", protocol, result, queries, q, gallery, g,
            ["orange", "sky", "green", "yellow", "pink"], training, new ReportOptions { Queries = 6, K = 4, Seed = seed });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Neighbours_and_per_class_recall_match_a_brute_force_search(bool withGallery)
    {
        var report = Build(withGallery);
        var (queries, q) = Synthetic("query", 11);
        var (gallery, g) = withGallery ? Synthetic("gallery", 12) : (queries, q);
        Assert.Equal(6, report.Samples.Count);
        Assert.Equal(report.Samples.Select(s => s.Index).Order(), report.Samples.Select(s => s.Index));
        foreach (var sample in report.Samples)
        {
            var expected = BruteForce(q, sample.Index, g, !withGallery, 4);
            Assert.Equal(expected, sample.Neighbours.Select(n => n.Index));
            Assert.Equal(expected.Select(i => gallery.Items[i].Label == queries.Items[sample.Index].Label), sample.Neighbours.Select(n => n.Correct));
        }
        // Per-class Recall@1 from the top neighbour of every query; the overall mean is the evaluator's Recall@1.
        var top1 = Enumerable.Range(0, queries.Count).Select(i => gallery.Items[BruteForce(q, i, g, !withGallery, 1)[0]].Label == queries.Items[i].Label).ToArray();
        foreach (var c in report.Classes)
            Assert.Equal(Enumerable.Range(0, queries.Count).Where(i => queries.Items[i].Label == c.Label).Average(i => top1[i] ? 1.0 : 0.0), c.RecallAt1, 12);
        Assert.Equal(report.Result.RecallAt(1), top1.Average(h => h ? 1.0 : 0.0), 12);
        Assert.Equal(report.Classes.Select(c => c.RecallAt1).Order(), report.Classes.Select(c => c.RecallAt1));
        Assert.Equal(Classes, report.Classes.Count);
        // The page holds one row per sample and one frame per neighbour (the browser test reads the same page).
        string html = report.ToHtml();
        Assert.Equal(report.Samples.Count, Regex.Matches(html, "<div class=\"query-row\"").Count);
        Assert.Equal(report.Samples.Sum(s => s.Neighbours.Count(n => n.Correct)), Regex.Matches(html, "<figure class=\"neighbour hit\"").Count);
        Assert.Equal(report.Samples.Sum(s => s.Neighbours.Count(n => !n.Correct)), Regex.Matches(html, "<figure class=\"neighbour miss\"").Count);
    }

    [Fact]
    public void The_sample_of_queries_depends_only_on_the_seed()
    {
        Assert.Equal(Build(false, seed: 3).Samples.Select(s => s.Index), Build(false, seed: 3).Samples.Select(s => s.Index));
        Assert.NotEqual(Build(false, seed: 3).Samples.Select(s => s.Index), Build(false, seed: 4).Samples.Select(s => s.Index));
    }

    [Fact]
    public void Training_curves_appear_when_the_checkpoint_sits_in_a_run_directory()
    {
        using var dir = new TempDirectory();
        string loose = dir["loose.safetensors"];
        Assert.Null(RetrievalReport.TrainingLogOf(loose));
        var run = RunDirectory.Create(dir.Path, "run");
        run.WriteConfig(new GivenTrainOptions().WithDefaults());
        run.Append(new EpochRecord(0, 0.9, 0.6, 0.75, 1e-3, null, null, 10, 100));
        run.Append(new EpochRecord(1, 0.7, 0.5, 0.5, 1e-3, new Dictionary<string, double> { ["1"] = 40, ["2"] = 55 }, 20, 10, 100));
        var log = RetrievalReport.TrainingLogOf(run.BestCheckpoint);
        Assert.NotNull(log);
        Assert.Equal([0, 1], log.Select(r => r.Epoch));
        Assert.Equal(2, Regex.Matches(Build(false, log).ToHtml(), "<img class=\"chart\"").Count);
        Assert.DoesNotContain("class=\"chart\"", Build(false).ToHtml());
    }

    [Fact]
    public void The_page_is_written_atomically_into_the_directory()
    {
        using var dir = new TempDirectory();
        string path = Build(false).Write(dir["out/nested"]);
        Assert.Equal(Path.Combine(dir["out/nested"], RetrievalReport.FileName), path);
        Assert.Equal([RetrievalReport.FileName], Directory.GetFiles(dir["out/nested"]).Select(Path.GetFileName));
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path));
    }

    [Fact]
    [Trait("Category", "Browser")]
    public void Chromium_renders_the_rows_and_frames_the_report_computed()
    {
        using var dir = new TempDirectory();
        var report = Build(withGallery: false);
        string page = report.Write(dir.Path);
        string dom = Chromium.DumpDom(page, dir["profile"]);
        int hits = report.Samples.Sum(s => s.Neighbours.Count(n => n.Correct));
        int misses = report.Samples.Sum(s => s.Neighbours.Count(n => !n.Correct));
        Assert.True(hits > 0 && misses > 0, $"the synthetic set should give right and wrong neighbours; got {hits} and {misses}");
        Assert.Equal(report.Samples.Count, Regex.Matches(dom, "<div class=\"query-row\"").Count);
        Assert.Equal(hits, Regex.Matches(dom, "<figure class=\"neighbour hit\"").Count);
        Assert.Equal(misses, Regex.Matches(dom, "<figure class=\"neighbour miss\"").Count);
        // Every thumbnail decoded in the browser is an inline PNG: the query and each neighbour.
        Assert.Equal(report.Samples.Count * 5, Regex.Matches(dom, "src=\"data:image/png;base64,").Count);
        // The browser adds a tbody to the metrics table: look only inside the worst classes' body.
        Assert.Equal(Classes, Regex.Matches(Regex.Match(dom, "<table id=\"worst-classes\">.*?<tbody>.*?</tbody>", RegexOptions.Singleline).Value.Split("<tbody>")[1], "<tr>").Count);
    }

    [Fact]
    [Trait("Category", "Browser")]
    public void Chromium_screenshot_shows_green_and_red_frames()
    {
        using var dir = new TempDirectory();
        string page = Build(false).Write(dir.Path);
        string png = dir["shot.png"];
        Chromium.Screenshot(page, png, 1200, 1600, dir["profile"]);
        Assert.True(File.Exists(png), "chromium wrote no screenshot");
        var image = PngDecoder.Decode(File.ReadAllBytes(png), png);
        Assert.Equal((1200, 1600), (image.Width, image.Height));
        int pixels = image.Width * image.Height, nonWhite = 0, green = 0, red = 0;
        var colours = new HashSet<int>();
        for (int i = 0; i < pixels; i++)
        {
            int r = image.Rgb[3 * i], g = image.Rgb[3 * i + 1], b = image.Rgb[3 * i + 2];
            colours.Add((r << 16) | (g << 8) | b);
            if (r < 250 || g < 250 || b < 250) nonWhite++;
            if (Math.Abs(r - 0x2c) + Math.Abs(g - 0xa0) + Math.Abs(b - 0x2c) < 12) green++;
            if (Math.Abs(r - 0xd6) + Math.Abs(g - 0x27) + Math.Abs(b - 0x28) < 12) red++;
        }
        Assert.True(nonWhite > pixels / 50, $"the screenshot is nearly blank: {nonWhite} of {pixels} pixels are not white");
        Assert.True(colours.Count > 20, $"the screenshot has only {colours.Count} colours");
        Assert.True(green > 500, $"no green frames on the screenshot ({green} green pixels)");
        Assert.True(red > 500, $"no red frames on the screenshot ({red} red pixels)");
    }
}
