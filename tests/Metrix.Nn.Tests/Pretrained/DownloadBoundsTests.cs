using System.Security.Cryptography;
using Metrix.Testing;

namespace Metrix.Nn.Tests;

public sealed class DownloadBoundsTests
{
    private static (string Name, PretrainedOptions Options, string Cache) Setup(TempDirectory dir, byte[] bytes, long maxBytes = 1L << 30)
    {
        string source = Directory.CreateDirectory(dir["source"]).FullName;
        string name = $"w-{Convert.ToHexStringLower(SHA256.HashData(bytes))[..8]}.pth";
        File.WriteAllBytes(Path.Combine(source, name), bytes);
        string cache = Directory.CreateDirectory(dir["cache"]).FullName;
        var options = new PretrainedOptions
        {
            BaseUrl = new Uri(source + "/").AbsoluteUri, CacheDirectory = cache, TorchHome = dir["torch"], MaxBytes = maxBytes,
            Environment = _ => null,
        };
        return (name, options, cache);
    }

    [Fact]
    public void A_download_larger_than_the_bound_is_refused_and_leaves_nothing()
    {
        using var dir = new TempDirectory();
        var (name, options, cache) = Setup(dir, new byte[4096], maxBytes: 1000);
        var ex = Assert.Throws<WeightDownloadException>(() => new WeightDownloader(options).Fetch(name));
        Assert.Contains(name, ex.Message);
        Assert.Contains("1000", ex.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public void Parts_left_by_a_killed_download_are_removed_and_a_running_ones_kept()
    {
        using var dir = new TempDirectory();
        var (name, options, cache) = Setup(dir, [1, 2, 3]);
        string orphan = Path.Combine(cache, $".{name}.{int.MaxValue}.0123.part");
        string running = Path.Combine(cache, $".{name}.{Environment.ProcessId}.4567.part");
        File.WriteAllBytes(orphan, [9]);
        File.WriteAllBytes(running, [9]);
        string path = new WeightDownloader(options).Fetch(name);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(running));
    }
}
