using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Metrix.Search;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Datasets;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix index build|add|info</c>: a persistent image index (embeddings, items, checkpoint identity and an
/// HNSW graph) that <c>metrix search --index</c> and <c>metrix serve</c> query without re-embedding the gallery.
/// </summary>
public sealed class IndexCommand : Command
{
    /// <summary>The command with its three sub-commands.</summary>
    public IndexCommand()
        : base("index", "Build, extend and describe a persistent image index (embeddings + HNSW graph).")
    {
        Subcommands.Add(Build());
        Subcommands.Add(Add());
        Subcommands.Add(Info());
    }

    private static Command Build()
    {
        var checkpoint = Flags.RequiredText("checkpoint", "Checkpoint (.safetensors) written by metrix train");
        var images = Flags.OptionalText("images", "Folder of images: DIR/<class>/<image> are labelled by class folder (name order), images directly in DIR get label -1");
        var dataset = Flags.OptionalText("dataset", $"Instead of --images: a dataset ({SettingChoices.Dataset.List})");
        var split = Flags.Text("split", "Split of --dataset: train, test, query or gallery", "test");
        var dataRoot = Flags.Text("data_root", "Folder holding the datasets", "./datasets");
        var output = Flags.RequiredText("out", "Index directory to create (an existing index there is replaced atomically)");
        var connectivity = Flags.Int("connectivity", "HNSW edges per node (M)", GraphOptions.DefaultConnectivity);
        var expansionAdd = Flags.Int("expansion_add", "Candidates while inserting (efConstruction)", GraphOptions.DefaultExpansionAdd);
        var expansionSearch = Flags.Int("expansion_search", "Candidates while searching (ef); 0 = the smallest that reaches --recall_target on held-out images", 0);
        var recallTarget = Flags.Double("recall_target", $"With --expansion_search 0: recall@{SearchPlan.DefaultK} the default search must reach on held-out images (95 % lower bound); if no ef up to {ExpansionCalibration.MaxExpansion} does, an exact scan is as fast as the graph at that ef, or there are fewer than {SearchPlan.MinGraphRows} images, the index searches exactly by default", 0.99);
        var samples = Flags.Int("calibration_samples", "With --expansion_search 0: images held out of the graph and searched for to calibrate ef (at most a tenth of the images)", ExpansionCalibration.DefaultSamples);
        var (batchSize, workers, threads) = Compute();
        var command = new Command("build", "Embed a folder of images (or a dataset split) once and write an index directory.");
        foreach (var option in new Option[] { checkpoint, images, dataset, split, dataRoot, output, connectivity, expansionAdd, expansionSearch, recallTarget, samples, batchSize, workers, threads })
            command.Options.Add(option);
        CommandRunner.SetAction(command, (parse, context) =>
        {
            CheckpointFlag.SetThreads(parse.GetValue(threads));
            string? folder = parse.GetValue(images), name = parse.GetValue(dataset);
            if ((folder is null) == (name is null)) throw new UsageException("give exactly one of --images DIR and --dataset NAME");
            int ef = Range(parse.GetValue(expansionSearch), "expansion_search", 0, 65536);
            double target = parse.GetValue(recallTarget);
            if (ef == 0 && target is <= 0 or > 1) throw new UsageException($"--recall_target: invalid value {target.ToString(CultureInfo.InvariantCulture)}; expected a recall in (0, 1]");
            int heldOut = Range(parse.GetValue(samples), "calibration_samples", 1, 1_000_000);
            var options = new GraphOptions(
                Range(parse.GetValue(connectivity), "connectivity", 2, 256),
                Range(parse.GetValue(expansionAdd), "expansion_add", 1, 65536),
                ef == 0 ? GraphOptions.DefaultExpansionSearch : ef);
            string checkpointPath = parse.GetValue(checkpoint)!;
            var model = CheckpointFlag.Load(checkpointPath);
            var identity = CheckpointIdentity.Of(checkpointPath);
            var set = folder is not null ? EmbedCommand.Folder(folder) : DatasetDescriptors.Parse(name!).Load(parse.GetValue(dataRoot)!)[parse.GetValue(split)!];
            if (set.Count == 0) throw new UsageException($"--images: no image files ({string.Join(" ", ImageFolderDataset.Extensions)}) in {folder}");
            var vectors = IndexSupport.Embed(model, set, parse.GetValue(workers), parse.GetValue(batchSize), context);
            string outDir = parse.GetValue(output)!;
            using var index = ImageIndex.Build(outDir, vectors, model.Info.EmbeddingSize, set.Items.Select(i => (i.Path, i.Label)).ToList(),
                identity, IndexSupport.Preprocessing(model, identity), options, Workers.Threads, ef == 0 ? target : 0, heldOut, context.Cancellation);
            context.Error.WriteLine($"indexed {index.Count} images of width {index.Dim} in {outDir} (generation {index.Manifest.Generation})");
            context.Error.WriteLine($"default search: {index.Manifest.Search!.Method} ({index.Manifest.Search.Reason})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Add()
    {
        var index = new Argument<string>("INDEX") { Description = "Index directory written by metrix index build" };
        var images = Flags.RequiredText("images", "Folder of images to add (labelled as for build)");
        var checkpoint = Flags.OptionalText("checkpoint", "The index's checkpoint (default: the path its manifest records); another checkpoint is refused");
        var (batchSize, workers, threads) = Compute();
        var command = new Command("add", "Embed more images and add them to an index without rebuilding its graph.");
        command.Arguments.Add(index);
        foreach (var option in new Option[] { images, checkpoint, batchSize, workers, threads }) command.Options.Add(option);
        CommandRunner.SetAction(command, (parse, context) =>
        {
            CheckpointFlag.SetThreads(parse.GetValue(threads));
            string dir = parse.GetValue(index)!;
            using var opened = ImageIndex.Open(dir);
            var (model, _) = IndexSupport.Checkpoint(opened.Manifest, dir, parse.GetValue(checkpoint));
            string folder = parse.GetValue(images)!;
            var set = EmbedCommand.Folder(folder);
            if (set.Count == 0) throw new UsageException($"--images: no image files ({string.Join(" ", ImageFolderDataset.Extensions)}) in {folder}");
            var vectors = IndexSupport.Embed(model, set, parse.GetValue(workers), parse.GetValue(batchSize), context);
            opened.Add(vectors, set.Items.Select(i => (i.Path, i.Label)).ToList(), Workers.Threads, context.Cancellation);
            context.Error.WriteLine($"added {set.Count} images to {dir}: {opened.Count} in all (generation {opened.Manifest.Generation})");
            if (opened.Manifest.Search is { } plan)
                context.Error.WriteLine($"default search unchanged: {plan.Method} ({plan.Reason}); metrix index build over the index chooses it again");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Info()
    {
        var index = new Argument<string>("INDEX") { Description = "Index directory" };
        var json = Flags.Switch("json", "Print one JSON object");
        var command = new Command("info", "Describe an index: images, width, checkpoint, preprocessing, graph settings, files.");
        command.Arguments.Add(index);
        command.Options.Add(json);
        CommandRunner.SetAction(command, (parse, context) =>
        {
            string dir = parse.GetValue(index)!;
            using var opened = ImageIndex.Open(dir);
            var m = opened.Manifest;
            long bytes = m.Files.All().Append(IndexManifest.FileName).Sum(f => new FileInfo(Path.Combine(opened.Directory, f)).Length);
            var labels = opened.Items.Select(i => i.Label).Where(l => l >= 0).Distinct().Count();
            var info = new Dictionary<string, object>
            {
                ["index"] = opened.Directory, ["format"] = m.Format, ["generation"] = m.Generation, ["count"] = m.Count, ["dim"] = m.Dim, ["classes"] = labels,
                ["checkpoint"] = m.Checkpoint.Path, ["checkpoint_sha256"] = m.Checkpoint.Sha256,
                ["model"] = m.Checkpoint.Metadata.GetValueOrDefault("model", "?"), ["image_size"] = m.Preprocessing.ImageSize,
                ["preprocessing"] = m.Preprocessing.Resize, ["connectivity"] = m.Graph.Connectivity, ["expansion_add"] = m.Graph.ExpansionAdd,
                ["expansion_search"] = m.Graph.ExpansionSearch,
                ["search"] = m.Search?.Method ?? SearchPlan.GraphMethod, ["search_reason"] = m.Search?.Reason ?? "written before search plans: graph search",
                ["graph_memory_mb"] = Math.Round(opened.Graph.MemoryBytes / 1e6, 2),
                ["size_mb"] = Math.Round(bytes / 1e6, 2), ["updated"] = m.Updated.ToString("u", CultureInfo.InvariantCulture),
            };
            context.Output.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(info)
                : string.Join("\n", info.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key,-18} {kv.Value}"))));
            return ExitCodes.Success;
        });
        return command;
    }

    private static int Range(int value, string flag, int low, int high) =>
        value >= low && value <= high ? value : throw new UsageException($"--{flag}: invalid value {value}; expected {low} to {high}");

    private static (Option<int> BatchSize, Option<int> Workers, Option<int> Threads) Compute() =>
        (Flags.Int("batch_size", "Images per forward pass", 100), Flags.Int("num_workers", "Loader threads", 2), Flags.Int("threads", "Compute threads (0 = all cores)", 0));
}
