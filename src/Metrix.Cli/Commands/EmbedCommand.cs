using System.CommandLine;
using System.Text.Json;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Datasets;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix embed</c>: the embeddings of a folder of images (or a dataset split) with labels and paths, as
/// <c>.npy</c> (with <c>NAME.labels.npy</c> and <c>NAME.paths.txt</c> beside it) or <c>.safetensors</c>
/// (tensors <c>embeddings</c> and <c>labels</c>, the paths in the metadata), readable from Python.
/// </summary>
public sealed class EmbedCommand : Command
{
    private readonly Option<string> _checkpoint = Flags.RequiredText("checkpoint", "Checkpoint (.safetensors) written by metrix train");
    private readonly Option<string?> _images = Flags.OptionalText("images", "Folder of images: DIR/<class>/<image> are labelled by class folder (name order), images directly in DIR get label -1");
    private readonly Option<string?> _dataset = Flags.OptionalText("dataset", $"Instead of --images: a dataset ({SettingChoices.Dataset.List})");
    private readonly Option<string> _split = Flags.Text("split", "Split of --dataset: train, test, query or gallery", "test");
    private readonly Option<string> _dataRoot = Flags.Text("data_root", "Folder holding the datasets", "./datasets");
    private readonly Option<string> _out = Flags.RequiredText("out", "Output file: .npy or .safetensors");
    private readonly Option<int> _batchSize = Flags.Int("batch_size", "Images per forward pass", 100);
    private readonly Option<int> _workers = Flags.Int("num_workers", "Loader threads", 2);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);

    /// <summary>The command.</summary>
    public EmbedCommand()
        : base("embed", "Write the embeddings, labels and paths of a folder of images (or a dataset split) as .npy or .safetensors.")
    {
        foreach (var option in new Option[] { _checkpoint, _images, _dataset, _split, _dataRoot, _out, _batchSize, _workers, _threads }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        string output = parse.GetValue(_out)!;
        bool npy = output.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
        if (!npy && !output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--out: '{output}' must end in .npy or .safetensors");
        string? images = parse.GetValue(_images), dataset = parse.GetValue(_dataset);
        if ((images is null) == (dataset is null)) throw new UsageException("give exactly one of --images DIR and --dataset NAME");
        var model = CheckpointFlag.Load(parse.GetValue(_checkpoint)!);
        var set = images is not null ? Folder(images) : DatasetDescriptors.Parse(dataset!).Load(parse.GetValue(_dataRoot)!)[parse.GetValue(_split)!];
        if (set.Count == 0) throw new UsageException($"--images: no image files ({string.Join(' ', ImageFolderDataset.Extensions)}) in {images}");
        using var embeddings = model.Embed(set, parse.GetValue(_workers), parse.GetValue(_batchSize), context);
        var labels = set.Items.Select(i => (long)i.Label).ToList();
        var paths = set.Items.Select(i => images is null ? i.Path : Path.GetRelativePath(images, i.Path)).ToList();
        int n = embeddings.Dim(0), d = embeddings.Dim(1);
        if (npy)
        {
            string stem = output[..^4];
            NpyWriter.WriteFloat32(output, embeddings.Span, n, d);
            NpyWriter.WriteInt64(stem + ".labels.npy", labels);
            AtomicFile.WriteAllText(stem + ".paths.txt", string.Concat(paths.Select(p => p + "\n")));
        }
        else
        {
            using var labelTensor = Tensor.FromArray(labels.Select(l => (float)l).ToArray());
            SafeTensors.Write(output, [new("embeddings", embeddings), new("labels", labelTensor)],
                new Dictionary<string, string> { ["paths"] = JsonSerializer.Serialize(paths), ["checkpoint"] = model.Path });
        }
        context.Error.WriteLine($"wrote {n} embeddings of width {d} to {output}");
        return ExitCodes.Success;
    }

    /// <summary>Every image under <paramref name="root"/>: class sub-folders labelled in name order, loose files −1.</summary>
    internal static ImageSet Folder(string root)
    {
        if (!Directory.Exists(root)) throw new UsageException($"--images: no such directory: {root}");
        return ImageFolderDataset.LoadLoose(root, "images");
    }
}
