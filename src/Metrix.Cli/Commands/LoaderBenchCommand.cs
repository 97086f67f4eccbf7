using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Tensors;
using Metrix.Vision.Datasets;
using Metrix.Vision.Loading;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix bench loader --folder DIR</c>: images per second of the train pipeline (decode once into the
/// cache, then RandomResizedCrop + flip + normalise per epoch on background threads) over the images of a
/// folder, per epoch; tools/bench/loader.py times torchvision's DataLoader on the same files.
/// </summary>
public sealed class LoaderBenchCommand : Command
{
    private readonly Option<string> _folder = Flags.RequiredText("folder", "Folder of images (PNG, JPEG, WebP, BMP, GIF or TIFF), flat or in class sub-folders");
    private readonly Option<int> _imageSize = Flags.Int("image_size", "Crop side in pixels", 224);
    private readonly Option<int> _batchSize = Flags.Int("batch_size", "Images per batch", 100);
    private readonly Option<int> _workers = Flags.Int("num_workers", "Loader threads", 2);
    private readonly Option<int> _epochs = Flags.Int("epochs", "Passes over the folder (the first one decodes)", 3);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object instead of lines");

    /// <summary>The command.</summary>
    public LoaderBenchCommand()
        : base("loader", "Time the training data pipeline (decode once, augment per epoch) on a folder of images.")
    {
        foreach (var option in new Option[] { _folder, _imageSize, _batchSize, _workers, _epochs, _json }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        string folder = parse.GetValue(_folder)!;
        if (!Directory.Exists(folder)) throw new UsageException($"--folder: no such directory: {folder}");
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => ImageFolderDataset.Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        int batch = parse.GetValue(_batchSize), size = parse.GetValue(_imageSize), workers = parse.GetValue(_workers);
        if (files.Count < batch) throw new UsageException($"--folder: {files.Count} images in {folder}, fewer than one batch of {batch}");
        var set = ImageSet.FromFiles("train", files.Select(f => new ImageItem(f, 0)).ToList());
        var cache = new ImageCache(set, Metrix.Vision.Transforms.ImageTransforms.EvalResize(size));
        var loader = new BatchLoader(cache, size, train: true, workers, seed: 1);
        var sampler = new ShuffledSampler(set.Count, batch, 1);
        var rates = new List<double>();
        for (int epoch = 0; epoch < parse.GetValue(_epochs); epoch++)
        {
            var clock = Stopwatch.StartNew();
            int images = 0;
            foreach (var b in loader.Load(sampler.Epoch(epoch), epoch, context.Cancellation))
                using (b)
                    images += b.Labels.Length;
            rates.Add(images / clock.Elapsed.TotalSeconds);
            if (!parse.GetValue(_json))
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}: {rates[^1]:F0} images/s{(epoch == 0 ? " (decoding into the cache)" : "")}"));
        }
        if (parse.GetValue(_json))
            context.Output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["benchmark"] = "loader", ["engine"] = "metrix", ["images"] = files.Count, ["image_size"] = size, ["workers"] = workers,
                ["batch"] = batch, ["first_epoch_images_per_s"] = Math.Round(rates[0], 1),
                ["steady_images_per_s"] = Math.Round(rates.Count > 1 ? rates.Skip(1).Average() : rates[0], 1),
            }));
        return ExitCodes.Success;
    }
}
