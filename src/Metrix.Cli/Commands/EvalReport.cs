using Metrix.Evaluation;
using Metrix.Reports;
using Metrix.Tensors;
using Metrix.Vision.Datasets;

namespace Metrix.Cli;

/// <summary><c>metrix eval --report DIR</c>: the evaluation's <see cref="RetrievalReport"/> written to <c>DIR/report.html</c>.</summary>
internal static class EvalReport
{
    /// <summary>Checks the report flags before any embedding is computed.</summary>
    public static ReportOptions Options(string directory, int queries, int k)
    {
        if (directory.Length == 0) throw new UsageException("--report: give a directory to write report.html into");
        if (File.Exists(directory)) throw new UsageException($"--report: {directory} is a file; give a directory");
        if (queries is < 1 or > ReportOptions.MaxQueries)
            throw new UsageException($"--report_queries: invalid value {queries}; expected 1-{ReportOptions.MaxQueries}");
        if (k is < 1 or > ReportOptions.MaxK) throw new UsageException($"--report_k: invalid value {k}; expected 1-{ReportOptions.MaxK}");
        return new ReportOptions { Queries = queries, K = k };
    }

    /// <summary>Builds and writes the report; returns the page's path.</summary>
    public static string Write(string directory, ReportOptions options, EmbeddingModel model, DatasetSplits data, RetrievalProtocol protocol,
        RetrievalResult result, ImageSet queries, Tensor queryEmbeddings, ImageSet? gallery, Tensor? galleryEmbeddings)
    {
        var report = RetrievalReport.Create(model.Path, data.Name, protocol, result, queries, queryEmbeddings, gallery, galleryEmbeddings,
            ClassNames(data, queries, gallery), RetrievalReport.TrainingLogOf(model.Path), options);
        return report.Write(directory);
    }

    // Emoji's short names; otherwise the folder an image of the class sits in (CUB's "001.Black_footed_Albatross", a class folder).
    private static IReadOnlyList<string> ClassNames(DatasetSplits data, ImageSet queries, ImageSet? gallery)
    {
        if (data.Name == "emoji" && queries.Name == "test") return EmojiDataset.ClassNames("test");
        var items = gallery is null ? queries.Items : queries.Items.Concat(gallery.Items);
        var names = new Dictionary<int, string>();
        foreach (var item in items)
            if (!names.ContainsKey(item.Label))
                names[item.Label] = Path.GetFileName(Path.GetDirectoryName(item.Path)) is { Length: > 0 } folder ? folder : "class " + item.Label;
        int count = names.Count == 0 ? 0 : names.Keys.Max() + 1;
        return Enumerable.Range(0, count).Select(l => names.TryGetValue(l, out var n) ? n : "class " + l).ToList();
    }
}
