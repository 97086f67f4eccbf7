using System.Text.RegularExpressions;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Metrix.Vision.Datasets;

namespace Metrix.Cli.Tests;

/// <summary>
/// <c>metrix eval --report DIR</c> in both forms (a dataset, and query/gallery folders) on a tiny checkpoint
/// (ResNet-18, 32 px, random weights) and four emoji classes copied to folders.
/// </summary>
public sealed class EvalReportTests(EvalReportTests.Setup setup) : IClassFixture<EvalReportTests.Setup>
{
    /// <summary>The checkpoints and folders, made once for the class.</summary>
    public sealed class Setup : IDisposable
    {
        private readonly TempDirectory _dir = new("metrix-report-");

        public Setup()
        {
            var model = new EmbeddingNet("resnet18", 16, true, new Rng(5));
            var options = new GivenTrainOptions { Model = Backbone.ResNet18, EmbeddingSize = 16, ImageSize = 32 }.WithDefaults();
            // One checkpoint inside a run directory with a two-epoch log, one on its own.
            var run = RunDirectory.Create(_dir.Path, "run");
            run.WriteConfig(options);
            run.Append(new EpochRecord(0, 0.8, 0.5, 0.6, 1e-3, new Dictionary<string, double> { ["1"] = 30 }, 10, 5, 50));
            run.Append(new EpochRecord(1, 0.6, 0.4, 0.5, 1e-3, new Dictionary<string, double> { ["1"] = 45 }, 15, 5, 50));
            RunCheckpoint = run.BestCheckpoint;
            Checkpoint.Save(RunCheckpoint, model, CheckpointInfo.Metadata(options, 1, 4));
            LooseCheckpoint = _dir["model.safetensors"];
            Checkpoint.Save(LooseCheckpoint, model, CheckpointInfo.Metadata(options, 1, 4));

            // Four emoji classes as a folder dataset (classes 2-3 are its test half); those two also as query/gallery folders.
            var test = EmojiDataset.Load()["test"];
            Folder = _dir["folder"];
            Query = _dir["query"];
            Gallery = _dir["gallery"];
            for (int i = 0; i < test.Count && test.Items[i].Label < 4; i++)
            {
                string cls = "class" + test.Items[i].Label, name = Path.GetFileName(test.Items[i].Path);
                Write(Path.Combine(Folder, cls, name), test.ReadBytes(i));
                if (test.Items[i].Label < 2) continue;
                Write(Path.Combine(name.Contains("_google_") ? Query : Gallery, cls, name), test.ReadBytes(i));
            }
        }

        public string RunCheckpoint { get; }

        public string LooseCheckpoint { get; }

        public string Folder { get; }

        public string Query { get; }

        public string Gallery { get; }

        public string this[string relative] => _dir[relative];

        private static void Write(string path, byte[] bytes)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }

        public void Dispose() => _dir.Dispose();
    }

    private readonly string _runCheckpoint = setup.RunCheckpoint, _looseCheckpoint = setup.LooseCheckpoint;
    private readonly string _folder = setup.Folder, _query = setup.Query, _gallery = setup.Gallery;
    private readonly Setup _dir = setup;

    private static int Count(string html, string pattern) => Regex.Matches(html, pattern).Count;

    [Fact]
    public void Dataset_form_writes_the_report_with_the_runs_curves()
    {
        string report = _dir["report-dataset"];
        var (code, _, error) = CliRun.Run("eval", "--checkpoint", _runCheckpoint, "--dataset", "folder", "--data_root", _folder,
            "--report", report, "--report_queries", "4", "--report_k", "3", "--threads", "2");
        Assert.True(code == 0, error);
        string html = File.ReadAllText(Path.Combine(report, "report.html"));
        Assert.Equal(4, Count(html, "<div class=\"query-row\""));
        Assert.Equal(12, Count(html, "<figure class=\"neighbour (hit|miss)\""));
        Assert.Equal(2, Count(html, "<img class=\"chart\""));
        Assert.Equal(Directory.GetDirectories(_folder).Length / 2, Count(html.Split("<tbody>")[1], "<tr>"));
        Assert.Contains("report.html", error);
    }

    [Fact]
    public void Query_gallery_form_writes_the_report_without_curves_for_a_loose_checkpoint()
    {
        string report = _dir["report-folders"];
        var (code, output, error) = CliRun.Run("eval", "--checkpoint", _looseCheckpoint, "--query", _query, "--gallery", _gallery,
            "--report", report, "--report_queries", "100", "--report_k", "2", "--json", "--threads", "2");
        Assert.True(code == 0, error);
        Assert.StartsWith("{", output.Trim());
        string html = File.ReadAllText(Path.Combine(report, "report.html"));
        int queries = Directory.GetFiles(_query, "*", SearchOption.AllDirectories).Length;
        Assert.Equal(queries, Count(html, "<div class=\"query-row\""));
        Assert.Equal(2 * queries, Count(html, "<figure class=\"neighbour (hit|miss)\""));
        Assert.Equal(0, Count(html, "<img class=\"chart\""));
        Assert.Equal(["class2", "class3"], Regex.Matches(html, "<figure class=\"query\">.*?<figcaption>(.*?)</figcaption>").Select(m => m.Groups[1].Value).Distinct().Order());
    }

    [Fact]
    public void Bad_report_flags_are_usage_errors_naming_the_flag()
    {
        var (code, _, error) = CliRun.Run("eval", "--checkpoint", _looseCheckpoint, "--query", _query, "--gallery", _gallery, "--report", _dir["r"], "--report_k", "0");
        Assert.Equal(2, code);
        Assert.Contains("--report_k", error);
        (code, _, error) = CliRun.Run("eval", "--checkpoint", _looseCheckpoint, "--query", _query, "--gallery", _gallery, "--report", _dir["r"], "--report_queries", "501");
        Assert.Equal(2, code);
        Assert.Contains("--report_queries", error);
        (code, _, error) = CliRun.Run("eval", "--checkpoint", _looseCheckpoint, "--query", _query, "--gallery", _gallery, "--report", _looseCheckpoint);
        Assert.Equal(2, code);
        Assert.Contains("--report", error);
        Assert.False(Directory.Exists(_dir["r"]));
    }
}
