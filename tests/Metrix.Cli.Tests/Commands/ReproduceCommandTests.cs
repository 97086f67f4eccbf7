using Metrix.Training;

namespace Metrix.Cli.Tests;

public sealed class ReproduceCommandTests
{
    [Fact]
    public void RunsEveryModeForEverySeedAndPrintsThemSideBySide()
    {
        var root = Path.Combine(Path.GetTempPath(), "metrix-reproduce-" + Guid.NewGuid().ToString("N"));
        var calls = new List<(string Mode, int Seed, int EvalEvery, double? CropScale)>();
        TrainLoop fake = (options, run, observer, cancel) =>
        {
            calls.Add((options.ModeName, options.Seed, options.EvalEvery, options.CropScale));
            double r1 = options.Mode == Metrix.Mixup.MixMode.Baseline ? 60 + options.Seed : 63 + options.Seed;
            var record = new EpochRecord(0, 1, 1, null, 1e-3, new Dictionary<string, double> { ["1"] = r1, ["2"] = r1 + 10 }, null, 1, 1);
            return new TrainResult(run, [record], record);
        };
        try
        {
            var command = new ReproduceCommand(fake);
            var rootCommand = new System.CommandLine.RootCommand();
            rootCommand.Subcommands.Add(command);
            using var output = new StringWriter();
            using var error = new StringWriter();
            int code = rootCommand.Parse(["reproduce", "--save_root", root, "--seeds", "1,2", "--num_epochs", "3", "--crop_scale", "0.08"])
                .Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
            Assert.Equal(0, code);
            Assert.Equal([("baseline", 1, 3, 0.08), ("baseline", 2, 3, 0.08), ("feature", 1, 3, 0.08), ("feature", 2, 3, 0.08)], calls);
            string text = output.ToString();
            Assert.Contains("61.5 ± 0.7", text);
            Assert.Contains("64.5 ± 0.7", text);
            Assert.Contains("+ Metrix/feature", text);
            Assert.Contains("+3.0", text);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void AnUnknownModeNamesTheFlagAndTheAcceptedValues()
    {
        var (code, _, error) = CliRun.Run("reproduce", "--modes", "baseline,mixup");
        Assert.Equal(2, code);
        Assert.Contains("--modes", error);
        Assert.Contains("baseline, input, feature, embed", error);
    }
}
