using System.Text.Json;

namespace Metrix.Cli.Tests;

/// <summary><c>metrix bench</c> on a tiny step: one JSON object with the required fields, and clear flag errors.</summary>
public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("baseline")]
    [InlineData("feature")]
    public void Json_has_the_step_figures(string mode)
    {
        var (code, output, error) = CliRun.Run("bench", "--batch_size", "8", "--image_size", "32", "--steps", "1", "--warmup", "0",
            "--threads", "1", "--mode", mode, "--pairs", "ancneg", "--json");
        Assert.True(code == ExitCodes.Success, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("median_step_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("images_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("peak_memory_mb").GetDouble() >= 0);
        Assert.Equal("resnet18", root.GetProperty("model").GetString());
        Assert.Equal(8, root.GetProperty("batch").GetInt32());
        Assert.Equal(mode, root.GetProperty("mode").GetString());
    }

    [Theory]
    [InlineData("--model", "resnet9", "--model")]
    [InlineData("--mode", "mixed", "--mode")]
    [InlineData("--pairs", "posfoo", "--pairs")]
    [InlineData("--batch_size", "6", "--batch_size")]
    [InlineData("--loss", "triplet", "--loss")]
    public void Bad_values_name_the_flag(string flag, string value, string named)
    {
        var (code, _, error) = CliRun.Run("bench", flag, value, "--steps", "1", "--warmup", "0");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(named, error);
    }
}
