namespace Metrix.Nn;

/// <summary>
/// Where pretrained weights come from and where they are kept. Every property left null falls back to the
/// environment: <c>METRIX_WEIGHTS_URL</c> for the server, <c>XDG_CACHE_HOME</c> / <c>HOME</c> for the cache,
/// <c>TORCH_HOME</c> for PyTorch's own cache.
/// </summary>
public sealed class PretrainedOptions
{
    /// <summary>The environment variable that overrides the download base URL.</summary>
    public const string BaseUrlVariable = "METRIX_WEIGHTS_URL";

    /// <summary>torchvision's download server.</summary>
    public const string DefaultBaseUrl = "https://download.pytorch.org/models/";

    /// <summary>torchvision's ImageNet weights (IMAGENET1K_V1) for each supported model.</summary>
    public static IReadOnlyDictionary<string, string> TorchvisionImageNetFiles { get; } = new Dictionary<string, string>
    {
        ["resnet18"] = "resnet18-f37072fd.pth",
        ["resnet34"] = "resnet34-b627a593.pth",
        ["resnet50"] = "resnet50-0676ba61.pth",
        ["resnet101"] = "resnet101-63fe2227.pth",
    };

    /// <summary>The base URL files are fetched from (<c>&lt;base&gt;/&lt;file&gt;</c>; <c>http</c>, <c>https</c> or <c>file</c>); null: <c>METRIX_WEIGHTS_URL</c>, else <see cref="DefaultBaseUrl"/>.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>Our cache directory; null: <c>$XDG_CACHE_HOME/metrix/weights</c>, else <c>~/.cache/metrix/weights</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>PyTorch's home, whose <c>hub/checkpoints</c> is searched before downloading; null: <c>$TORCH_HOME</c>, else <c>$XDG_CACHE_HOME/torch</c>, else <c>~/.cache/torch</c>.</summary>
    public string? TorchHome { get; init; }

    /// <summary>The file name for each model; null: <see cref="TorchvisionImageNetFiles"/>. Names carry the SHA-256 prefix after their last '-'.</summary>
    public IReadOnlyDictionary<string, string>? ImageNetFiles { get; init; }

    /// <summary>How long connecting, or waiting for the next bytes, may take before the download fails.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The largest download accepted (1 GiB; torchvision's ResNet-101 is 171 MB): a server announcing more is
    /// refused before any byte is stored, and one sending more without announcing it is cut off there.
    /// </summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>Reads environment variables (replaceable for tests).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The base URL in effect.</summary>
    public string ResolveBaseUrl() => BaseUrl ?? NonEmpty(BaseUrlVariable) ?? DefaultBaseUrl;

    /// <summary>The cache directory in effect.</summary>
    public string ResolveCacheDirectory() => CacheDirectory ?? Path.Combine(XdgCacheHome(), "metrix", "weights");

    /// <summary>PyTorch's checkpoint directory in effect (<c>&lt;torch home&gt;/hub/checkpoints</c>).</summary>
    public string ResolveTorchCheckpoints()
    {
        string home = TorchHome ?? (NonEmpty("TORCH_HOME") is { } t ? ExpandHome(t) : Path.Combine(XdgCacheHome(), "torch"));
        return Path.Combine(home, "hub", "checkpoints");
    }

    /// <summary>The file name of <paramref name="model"/>'s ImageNet weights.</summary>
    /// <exception cref="ArgumentException">No weights are known for the model.</exception>
    public string ImageNetFileName(string model)
    {
        var files = ImageNetFiles ?? TorchvisionImageNetFiles;
        return files.TryGetValue(model, out var file) ? file
            : throw new ArgumentException($"no ImageNet weights for model '{model}'; available for: {string.Join(", ", files.Keys)}");
    }

    private string XdgCacheHome() =>
        NonEmpty("XDG_CACHE_HOME") is { } x && Path.IsPathRooted(x) ? x : Path.Combine(Home(), ".cache");

    private string Home() => NonEmpty("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);

    private string ExpandHome(string path) => path == "~" || path.StartsWith("~/", StringComparison.Ordinal) ? Home() + path[1..] : path;

    private string? NonEmpty(string variable) => Environment(variable) is { Length: > 0 } v ? v : null;
}
