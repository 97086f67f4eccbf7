using System.Text.Json;

namespace Metrix.Cli.Tests;

/// <summary>metrix analyze on a tiny multi-similarity Metrix run (ResNet-18, 32 px, two steps).</summary>
public sealed class AnalyzeCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "metrix-analyze-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void WritesTheReportAndThePositivityPlot()
    {
        var (code, _, error) = CliRun.Run("train", "--image_size", "32", "--batch_size", "8", "--images_per_class", "4", "--max_steps", "2",
            "--num_epochs", "1", "--val_classes", "12", "--save_root", _root, "--run_name", "r", "--threads", "2", "--loss", "multisimilarity");
        Assert.True(code == 0, error);
        string run = Path.Combine(_root, "r");
        (code, var output, error) = CliRun.Run("analyze", "--run", run, "--json", "--threads", "2");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("alignment").GetDouble(), 0, 4);
        Assert.True(root.GetProperty("uniformity").GetDouble() < 0);
        Assert.True(root.GetProperty("utilization_mixed").GetDouble() <= root.GetProperty("utilization_clean").GetDouble());
        Assert.Equal(10, root.GetProperty("positivity").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(run, AnalyzeCommand.ReportFile)));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(run, AnalyzeCommand.PositivityPlotFile)));
    }

    [Fact]
    public void ANonRunDirectoryIsNamed()
    {
        var (code, _, error) = CliRun.Run("analyze", "--run", _root);
        Assert.Equal(2, code);
        Assert.Contains(_root, error);
    }
}
