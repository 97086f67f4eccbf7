using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Nn.Tests;

/// <summary>
/// <c>--pretrained</c>: download from a server on 127.0.0.1 started by the test, serving a PyTorch-written
/// .pth named with its SHA-256 prefix as torchvision names its files; cache hits without a request; hash
/// mismatches and interrupted transfers leave nothing behind; the offline message says where the file goes.
/// </summary>
public sealed class PretrainedWeightsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"metrix-weights-{Guid.NewGuid():N}");
    private readonly byte[] _weights = File.ReadAllBytes(Fixtures.PathOf("pth/resnet18_w8.pth"));
    private readonly string _fileName;

    public PretrainedWeightsTests()
    {
        _fileName = $"resnet18-{Convert.ToHexStringLower(SHA256.HashData(_weights))[..8]}.pth";
    }

    private string Cache => Path.Combine(_root, "cache");

    private string TorchHome => Path.Combine(_root, "torch");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private PretrainedOptions Options(string baseUrl) => new()
    {
        BaseUrl = baseUrl,
        CacheDirectory = Cache,
        TorchHome = TorchHome,
        ImageNetFiles = new Dictionary<string, string> { ["resnet18"] = _fileName },
        Timeout = TimeSpan.FromSeconds(20),
    };

    [Fact]
    public void Imagenet_downloads_once_verifies_and_loads_into_the_embedding_networks_body()
    {
        using var server = new LocalWeightServer();
        server.Add(_fileName, _weights);
        var net = new EmbeddingNet("resnet18", 16, true, new Rng(1), width: 8);
        var head = net.Embedding.Weight.ToArray();
        var log = new List<string>();
        var progress = new Recorder();

        var report = PretrainedWeights.LoadInto(net, "imagenet", "resnet18", log.Add, progress, Options(server.BaseUrl));

        Assert.NotNull(report);
        Assert.Equal(1, server.Requests(_fileName));
        Assert.Equal(_weights, File.ReadAllBytes(Path.Combine(Cache, _fileName)));
        Assert.Equal([Path.Combine(Cache, _fileName)], Directory.GetFiles(Cache));
        Assert.Equal(["fc.weight", "fc.bias"], report.Skipped);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unexpected);
        Assert.Equal(head, net.Embedding.Weight.ToArray());
        var expected = PthReader.Read(Fixtures.PathOf("pth/resnet18_w8.pth")).Tensors["layer3.1.conv2.weight"].ToArray();
        Assert.Equal(expected, net.StateDict()["layer3.1.conv2.weight"].ToArray());
        Assert.Equal(new DownloadProgress(_fileName, _weights.Length, _weights.Length), progress.Reports[^1]);
        Assert.Equal(0, progress.Reports[0].BytesDone);
        Assert.Contains(log, l => l.Contains("downloading " + server.BaseUrl + _fileName, StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("loaded ", StringComparison.Ordinal) && l.Contains("skipped fc.weight, fc.bias", StringComparison.Ordinal));

        log.Clear();
        var again = PretrainedWeights.LoadInto(new ResNet("resnet18", new Rng(2), width: 8), "imagenet", "resnet18", log.Add, null, Options(server.BaseUrl));
        Assert.NotNull(again);
        Assert.Equal(1, server.Requests(_fileName));
        Assert.Contains(log, l => l.Contains("using the cached", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_in_torch_hub_checkpoints_is_used_without_a_request()
    {
        using var server = new LocalWeightServer();
        var checkpoints = Path.Combine(TorchHome, "hub", "checkpoints");
        Directory.CreateDirectory(checkpoints);
        File.WriteAllBytes(Path.Combine(checkpoints, _fileName), _weights);
        var path = new WeightDownloader(Options(server.BaseUrl)).Fetch(_fileName);
        Assert.Equal(Path.Combine(checkpoints, _fileName), path);
        Assert.Equal(0, server.Requests(_fileName));
        Assert.False(Directory.Exists(Cache) && Directory.EnumerateFileSystemEntries(Cache).Any());
    }

    [Fact]
    public void A_hash_mismatch_is_rejected_and_leaves_no_file_behind()
    {
        using var server = new LocalWeightServer();
        string wrong = "resnet18-00000000.pth";
        server.Add(wrong, _weights);
        var ex = Assert.Throws<InvalidDataException>(() => new WeightDownloader(Options(server.BaseUrl)).Fetch(wrong));
        Assert.Contains("00000000", ex.Message);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(_weights)), ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Cache));
    }

    [Fact]
    public void An_interrupted_transfer_fails_and_leaves_no_partial_file()
    {
        using var server = new LocalWeightServer { Truncate = true };
        server.Add(_fileName, _weights);
        var ex = Assert.Throws<WeightDownloadException>(() => new WeightDownloader(Options(server.BaseUrl)).Fetch(_fileName));
        Assert.Contains(server.BaseUrl + _fileName, ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Cache));
    }

    [Fact]
    public void Offline_with_an_empty_cache_the_message_names_the_url_and_where_to_put_the_file()
    {
        var unused = new TcpListener(IPAddress.Loopback, 0);
        unused.Start();
        int port = ((IPEndPoint)unused.LocalEndpoint).Port;
        unused.Stop();
        string baseUrl = $"http://127.0.0.1:{port}/models/";
        var ex = Assert.Throws<WeightDownloadException>(() =>
            PretrainedWeights.LoadInto(new ResNet("resnet18", new Rng(3), width: 8), "imagenet", "resnet18", options: Options(baseUrl)));
        Assert.Contains("could not download " + baseUrl + _fileName, ex.Message);
        Assert.Contains("put it at " + Path.Combine(Cache, _fileName), ex.Message);
        Assert.Contains(Path.Combine(TorchHome, "hub", "checkpoints", _fileName), ex.Message);
        Assert.Contains(PretrainedOptions.BaseUrlVariable, ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Cache));

        using var server = new LocalWeightServer();
        ex = Assert.Throws<WeightDownloadException>(() => new WeightDownloader(Options(server.BaseUrl)).Fetch(_fileName));
        Assert.Contains("HTTP 404", ex.Message);
    }

    [Fact]
    public void A_file_url_base_serves_a_local_mirror()
    {
        var mirror = Path.Combine(_root, "mirror");
        Directory.CreateDirectory(mirror);
        File.WriteAllBytes(Path.Combine(mirror, _fileName), _weights);
        var path = new WeightDownloader(Options(new Uri(mirror + "/").AbsoluteUri)).Fetch(_fileName);
        Assert.Equal(_weights, File.ReadAllBytes(path));
    }

    [Fact]
    public void Spec_none_loads_nothing_a_path_loads_that_file_and_anything_else_names_the_accepted_values()
    {
        var body = new ResNet("resnet18", new Rng(4), width: 8);
        Assert.Null(PretrainedWeights.LoadInto(body, "none", "resnet18"));
        var report = PretrainedWeights.LoadInto(body, Fixtures.PathOf("pth/resnet18_w8_legacy.pth"), "resnet18");
        Assert.Equal(WeightFormat.PthLegacy, report!.Format);
        Assert.Empty(report.Missing);
        var ex = Assert.Throws<ArgumentException>(() => PretrainedWeights.LoadInto(body, "imagenet21k", "resnet18"));
        Assert.Contains("imagenet21k", ex.Message);
        Assert.Contains(PretrainedWeights.AcceptedValues, ex.Message);
        ex = Assert.Throws<ArgumentException>(() => PretrainedWeights.LoadInto(body, "imagenet", "resnet50", options: Options("http://127.0.0.1:9/")));
        Assert.Contains("the model is resnet18", ex.Message);
    }

    [Fact]
    public void Defaults_follow_the_environment_as_torch_hub_does()
    {
        var env = new Dictionary<string, string> { ["HOME"] = "/home/u" };
        var options = new PretrainedOptions { Environment = k => env.GetValueOrDefault(k) };
        Assert.Equal("/home/u/.cache/metrix/weights", options.ResolveCacheDirectory());
        Assert.Equal("/home/u/.cache/torch/hub/checkpoints", options.ResolveTorchCheckpoints());
        Assert.Equal(PretrainedOptions.DefaultBaseUrl, options.ResolveBaseUrl());
        env["XDG_CACHE_HOME"] = "/var/cache/u";
        env["METRIX_WEIGHTS_URL"] = "http://mirror.local/models";
        Assert.Equal("/var/cache/u/metrix/weights", options.ResolveCacheDirectory());
        Assert.Equal("/var/cache/u/torch/hub/checkpoints", options.ResolveTorchCheckpoints());
        Assert.Equal("http://mirror.local/models", options.ResolveBaseUrl());
        env["TORCH_HOME"] = "~/torch";
        Assert.Equal("/home/u/torch/hub/checkpoints", options.ResolveTorchCheckpoints());
        Assert.Equal("resnet50-0676ba61.pth", options.ImageNetFileName("resnet50"));
        Assert.Equal("0676ba61", WeightDownloader.HashPrefix("resnet50-0676ba61.pth"));
        Assert.Equal("19c8e357", WeightDownloader.HashPrefix("resnet50-19c8e357.pth"));
        Assert.Throws<ArgumentException>(() => WeightDownloader.HashPrefix("resnet50.pth"));
        Assert.Contains("resnet18, resnet34, resnet50, resnet101", Assert.Throws<ArgumentException>(() => options.ImageNetFileName("vgg16")).Message);
    }

    /// <summary>Records progress synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Recorder : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];

        public void Report(DownloadProgress value) => Reports.Add(value);
    }
}
