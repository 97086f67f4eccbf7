using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Metrix.Evaluation;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Datasets;
using Spectre.Console;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix eval</c>: Recall@K of a checkpoint under a dataset's protocol (docs/method.md#evaluation-protocols), or of a query folder
/// searched in a gallery folder; MAP@R and NMI as extras. <c>--json</c> prints one JSON object.
/// </summary>
public sealed class EvalCommand : Command
{
    /// <summary>NMI clusters the embeddings into as many clusters as classes; above this many classes it is skipped (k-means would dominate the run).</summary>
    public const int NmiMaxClasses = 2000;

    private readonly Option<string> _checkpoint = Flags.RequiredText("checkpoint", "Checkpoint (.safetensors) written by metrix train");
    private readonly Option<string?> _dataset = Flags.OptionalText("dataset", $"Dataset: {SettingChoices.Dataset.List} (default: the checkpoint's)");
    private readonly Option<string> _dataRoot = Flags.Text("data_root", "Folder holding the datasets", "./datasets");
    private readonly Option<string?> _query = Flags.OptionalText("query", "Folder of query images, QUERY/<class>/<image> (with --gallery)");
    private readonly Option<string?> _gallery = Flags.OptionalText("gallery", "Folder of gallery images, GALLERY/<class>/<image> (with --query)");
    private readonly Option<int> _batchSize = Flags.Int("batch_size", "Images per forward pass", 100);
    private readonly Option<int> _workers = Flags.Int("num_workers", "Loader threads", 2);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object on standard output");
    private readonly Option<string?> _report = Flags.OptionalText("report", "Write a self-contained DIR/report.html: metrics, training curves, sample queries with their neighbours, worst classes");
    private readonly Option<int> _reportQueries = Flags.Int("report_queries", "Sample queries shown in the report (seeded choice)", 12);
    private readonly Option<int> _reportK = Flags.Int("report_k", "Neighbours shown per sample query in the report", 8);

    /// <summary>The command.</summary>
    public EvalCommand()
        : base("eval", "Evaluate a checkpoint: Recall@K under a dataset's protocol, or a query folder against a gallery folder; MAP@R and NMI.")
    {
        foreach (var option in new Option[] { _checkpoint, _dataset, _dataRoot, _query, _gallery, _batchSize, _workers, _threads, _json, _report, _reportQueries, _reportK })
            Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads), context.Communicator);
        string? query = parse.GetValue(_query), gallery = parse.GetValue(_gallery);
        if ((query is null) != (gallery is null)) throw new UsageException("--query and --gallery go together: give both folders, or neither and a --dataset");
        if (query is not null && parse.GetValue(_dataset) is not null) throw new UsageException("--dataset cannot be combined with --query/--gallery");
        string? reportDirectory = parse.GetValue(_report);
        var report = reportDirectory is null ? null : EvalReport.Options(reportDirectory, parse.GetValue(_reportQueries), parse.GetValue(_reportK));
        var model = CheckpointFlag.Load(parse.GetValue(_checkpoint)!);
        string dataset = parse.GetValue(_dataset) ?? model.Info.Dataset;
        if (query is null && DatasetDescriptors.Find(dataset)?.Name != dataset)
            throw new UsageException($"--dataset: unknown dataset '{dataset}'; accepted: {SettingChoices.Dataset.List}");
        var data = query is null ? DatasetDescriptors.Parse(dataset).Load(parse.GetValue(_dataRoot)!) : ImageFolderDataset.LoadQueryGallery(query, gallery!);
        var protocol = query is null ? RetrievalProtocol.ForDataset(dataset) : RetrievalProtocol.Cub with { Name = "folder", QueryVsGallery = true };
        var result = Evaluate(model, data, protocol, parse.GetValue(_workers), parse.GetValue(_batchSize), context,
            report is null ? null : (reportDirectory!, report));

        if (parse.GetValue(_json))
        {
            context.Output.WriteLine(JsonSerializer.Serialize(result));
            return ExitCodes.Success;
        }
        var table = new Table().Title($"{Markup.Escape(result.Dataset)} ({Markup.Escape(result.Protocol)} protocol): {Markup.Escape(result.Checkpoint)}");
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("value").RightAligned());
        foreach (var (k, v) in result.Recall) table.AddRow($"Recall@{k}", v.ToString("F2", CultureInfo.InvariantCulture));
        table.AddRow("MAP@R", result.MapAtR?.ToString("F2", CultureInfo.InvariantCulture) ?? "-");
        table.AddRow("NMI", result.Nmi?.ToString("F2", CultureInfo.InvariantCulture) ?? "-");
        table.AddRow("images", result.Images.ToString(CultureInfo.InvariantCulture));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Output) });
        console.Write(table);
        return ExitCodes.Success;
    }

    /// <summary>One evaluation as printed by <c>--json</c>: percentages, Recall@K keyed by K.</summary>
    public sealed record EvalResult(
        [property: System.Text.Json.Serialization.JsonPropertyName("checkpoint")] string Checkpoint,
        [property: System.Text.Json.Serialization.JsonPropertyName("dataset")] string Dataset,
        [property: System.Text.Json.Serialization.JsonPropertyName("protocol")] string Protocol,
        [property: System.Text.Json.Serialization.JsonPropertyName("images")] int Images,
        [property: System.Text.Json.Serialization.JsonPropertyName("recall")] IReadOnlyDictionary<string, double> Recall,
        [property: System.Text.Json.Serialization.JsonPropertyName("map_at_r")] double? MapAtR,
        [property: System.Text.Json.Serialization.JsonPropertyName("nmi")] double? Nmi);

    internal static EvalResult Evaluate(EmbeddingModel model, DatasetSplits data, RetrievalProtocol protocol, int workers, int batch, CommandContext context,
        (string Directory, Metrix.Reports.ReportOptions Options)? report = null)
    {
        var queries = protocol.QueryVsGallery ? data["query"] : data["test"];
        var gallery = protocol.QueryVsGallery ? data["gallery"] : null;
        using var q = model.Embed(queries, workers, batch, context);
        using var g = gallery is null ? null : model.Embed(gallery, workers, batch, context);
        var labels = queries.Labels();
        var retrieval = Retrieval.Evaluate(protocol, q, labels, g, gallery?.Labels() ?? default, mapAtR: true);
        if (report is { } r && context.Communicator.Rank == 0)
            context.Error.WriteLine($"report: {EvalReport.Write(r.Directory, r.Options, model, data, protocol, retrieval, queries, q, gallery, g)}");
        double? nmi = null;
        if (gallery is null && queries.ClassCount <= NmiMaxClasses)
            nmi = 100 * Nmi.OfKMeans(q.Span, q.Dim(1), labels);
        var recall = retrieval.Ks.Select((k, i) => (k, i))
            .ToDictionary(p => p.k.ToString(CultureInfo.InvariantCulture), p => Math.Round(retrieval.Recall[p.i] * 100, 4));
        return new EvalResult(model.Path, data.Name, protocol.Name, queries.Count + (gallery?.Count ?? 0), recall,
            retrieval.MapAtR is { } m ? Math.Round(m * 100, 4) : null, nmi is { } n ? Math.Round(n, 4) : null);
    }
}
