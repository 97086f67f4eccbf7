namespace Metrix.Nn;

/// <summary>
/// <c>--pretrained none|imagenet|PATH</c>: initialises a network from pretrained weights by name.
/// </summary>
public static class PretrainedWeights
{
    /// <summary>The accepted forms of the specification, for messages.</summary>
    public const string AcceptedValues = "none, imagenet, or the path of a .pth/.pt/.safetensors file";

    /// <summary>
    /// Loads pretrained weights into <paramref name="model"/> (an <see cref="EmbeddingNet"/>, a
    /// <see cref="ResNet"/> body, or any module with torchvision names) according to <paramref name="spec"/>:
    /// <list type="bullet">
    /// <item><c>none</c> (or empty): nothing is loaded; returns null.</item>
    /// <item><c>imagenet</c>: torchvision's ImageNet weights for <paramref name="modelName"/>
    /// (resnet18/34/50/101, IMAGENET1K_V1), fetched once by <see cref="WeightDownloader"/> into the cache
    /// (<see cref="PretrainedOptions"/>: <c>METRIX_WEIGHTS_URL</c>, <c>XDG_CACHE_HOME</c>, <c>TORCH_HOME</c>),
    /// verified against the SHA-256 prefix in the file name, and loaded into the ResNet body (for an
    /// <see cref="EmbeddingNet"/>, its <see cref="EmbeddingNet.Body"/>; the head keeps its initialisation);
    /// torchvision's <c>fc.*</c> is skipped.</item>
    /// <item>a path: a PyTorch state dict (zip, legacy or 0.1 tar <c>torch.save</c> format) or a safetensors file (such
    /// as one of our checkpoints), loaded into the whole <paramref name="model"/> by name; <c>fc.*</c>,
    /// <c>optimizer.*</c> and <c>loss.*</c> entries are skipped.</item>
    /// </list>
    /// Missing and unexpected names do not fail the load: they are in the returned report, whose
    /// <see cref="WeightLoadReport.Summary"/> is also passed to <paramref name="log"/>.
    /// </summary>
    /// <param name="model">The network to initialise; its values are overwritten in place.</param>
    /// <param name="spec">The value of <c>--pretrained</c>.</param>
    /// <param name="modelName">The model's name (<c>--model</c>), which selects the ImageNet file.</param>
    /// <param name="log">Receives one line per step (cache hit, download, load summary); may be null.</param>
    /// <param name="progress">Receives the download's progress (bytes done / total); may be null.</param>
    /// <param name="options">Server, cache directories and timeouts; null reads them from the environment.</param>
    /// <param name="cancellation">Stops a download (Ctrl+C); the partial file is removed.</param>
    /// <returns>The load report, or null for <c>none</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="spec"/> is none of the accepted values, the path does not exist, or <paramref name="modelName"/> has no ImageNet weights or differs from the model's.</exception>
    /// <exception cref="WeightDownloadException">The download failed; the message names the URL and where to put the file by hand.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, fails its hash, is not a state dict, or a shape differs from the model's (the message names the key and both shapes).</exception>
    public static WeightLoadReport? LoadInto(Module model, string spec, string modelName, Action<string>? log = null,
        IProgress<DownloadProgress>? progress = null, PretrainedOptions? options = null, CancellationToken cancellation = default)
    {
        string value = spec.Trim();
        if (value.Length == 0 || value.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        WeightLoadReport report;
        if (value.Equals("imagenet", StringComparison.OrdinalIgnoreCase))
        {
            var body = model is EmbeddingNet net ? net.Body : model;
            if (body is ResNet resnet && resnet.Name != modelName)
                throw new ArgumentException($"pretrained weights: the model is {resnet.Name}, but ImageNet weights were asked for {modelName}");
            options ??= new PretrainedOptions();
            string path = new WeightDownloader(options).Fetch(options.ImageNetFileName(modelName), log, progress, cancellation);
            report = StateDictLoader.Load(body, path);
        }
        else
        {
            if (!File.Exists(value))
                throw new ArgumentException($"pretrained weights '{spec}': no such file; accepted: {AcceptedValues}");
            report = StateDictLoader.Load(model, value, ["fc.", "optimizer.", "loss."]);
        }
        log?.Invoke("pretrained weights: " + report.Summary());
        return report;
    }
}
