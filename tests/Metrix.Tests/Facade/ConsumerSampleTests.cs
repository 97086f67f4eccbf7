using System.Diagnostics;
using System.Text.RegularExpressions;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Xunit.Abstractions;

namespace Metrix.Tests;

/// <summary>
/// The libraries as a consumer gets them: the four packages packed into a folder feed, and
/// samples/ImageSearch restored from that feed (not project references) and run in a clean directory.
/// The README's "Use it from C#" program is the sample's.
/// </summary>
public sealed partial class ConsumerSampleTests(ITestOutputHelper output)
{
    private static string Sample => Path.Combine(Fixtures.RepositoryRoot, "samples", "ImageSearch");

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public void ReadmeSnippetIsTheSamplesProgram()
    {
        string readme = File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        int section = readme.IndexOf("\n## Use it from C#\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no 'Use it from C#' section");
        var snippet = CSharpBlock().Match(readme, section);
        Assert.True(snippet.Success, "the 'Use it from C#' section has no csharp block");
        Assert.Equal(File.ReadAllText(Path.Combine(Sample, "Program.cs")).ReplaceLineEndings("\n"), snippet.Groups[1].Value);
    }

    [Fact]
    public void SampleRunsFromThePackedPackages()
    {
        using var dir = new TempDirectory("metrix-consumer-");
        var clock = Stopwatch.StartNew();
        // A version of its own: neither a stale package in a cache nor one on a public feed can stand in for this build's.
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string feed = dir["feed"];
        Run(Fixtures.RepositoryRoot, "dotnet", "pack", "Metrix.Packages.slnf", "-c", Configuration, "--no-build", "-o", feed, $"-p:Version={version}");
        Assert.Equal(["Metrix", "Metrix.Nn", "Metrix.Tensors", "Metrix.Vision"],
            Directory.GetFiles(feed, "*.nupkg").Select(f => Path.GetFileName(f)[..^$".{version}.nupkg".Length]).Order(StringComparer.Ordinal));
        output.WriteLine($"packed in {clock.Elapsed.TotalSeconds:F1} s");

        string app = dir["app"];
        Directory.CreateDirectory(app);
        foreach (var file in new[] { "Program.cs", "ImageSearch.csproj" }) File.Copy(Path.Combine(Sample, file), Path.Combine(app, file));
        File.WriteAllText(Path.Combine(app, "NuGet.config"), NuGetConfig(feed, dir["packages"]));

        // A random network still maps identical pixels to identical embeddings: the four lossless copies of
        // one picture in four formats find each other first, every other image finds itself first.
        var model = new EmbeddingNet("resnet18", 16, true, new Rng(11));
        string checkpoint = dir["model.safetensors"];
        Checkpoint.Save(checkpoint, model, CheckpointInfo.Metadata(new GivenTrainOptions { Model = Backbone.ResNet18, EmbeddingSize = 16, ImageSize = 32 }.WithDefaults(), 0, 2));
        string images = dir["images"], formats = Fixtures.PathOf(Path.Combine("images", "formats"));
        string[] copies = ["same/rgb24.bmp", "same/rgb_lossless.webp", "same/rgb_lzw.tif", "same/rgb_raw.tif"];
        string[] others = ["other/grey.gif", "other/palette.gif", "other/rgba_lzw.tif", "other/rgb_lossy.webp"];
        foreach (var f in copies.Concat(others))
        {
            Directory.CreateDirectory(Path.Combine(images, Path.GetDirectoryName(f)!));
            File.Copy(Path.Combine(formats, Path.GetFileName(f)), Path.Combine(images, f));
        }

        string stdout = Run(app, "dotnet", "run", "-c", "Release", $"-p:MetrixVersion={version}", "--", checkpoint, images, "4");
        output.WriteLine($"packed, restored, built and ran in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(stdout);
        var lines = stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(l => l[..l.IndexOf(": ", StringComparison.Ordinal)], l => Hits().Matches(l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]));
        Assert.Equal(copies.Concat(others).Order(StringComparer.Ordinal), lines.Keys.Order(StringComparer.Ordinal));
        foreach (var copy in copies)
        {
            Assert.Equal(copies.Order(StringComparer.Ordinal), lines[copy].Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal));
            Assert.All(lines[copy], m => Assert.Equal("1.000", m.Groups[2].Value));
        }
        foreach (var other in others)
        {
            Assert.Equal(other, lines[other][0].Groups[1].Value);
            Assert.Equal("1.000", lines[other][0].Groups[2].Value);
            Assert.Equal(4, lines[other].Count);
        }
    }

    private static string NuGetConfig(string feed, string packages)
    {
        // Packages this build did not make (SkiaSharp, System.Numerics.Tensors) come from the machine's cache
        // or the public feed; the Metrix ones only from the folder feed.
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packages}" />
              </config>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{cache}" />
              </fallbackPackageFolders>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="Metrix" />
                  <package pattern="Metrix.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """;
    }

    private string Run(string directory, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // The child builds on its own: no MSBuild node or settings inherited from the test host's build.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment["NUGET_PACKAGES"] = null;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish in 5 minutes");
        }
        if (process.ExitCode != 0) output.WriteLine(stdout + stderr.Result);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}{Tail(stdout)}");
        return stdout;
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"(\S+) (-?\d\.\d{3})(?:, |$)")]
    private static partial Regex Hits();
}
