namespace Metrix.Cli.Tests;

/// <summary><c>--miner_epsilon</c> on the command line.</summary>
public sealed class MethodFlagsTests
{
    [Fact]
    public void Miner_epsilon_parses_and_is_absent_by_default()
    {
        Assert.Null(CliRun.ParseTrain().MinerEpsilon);
        Assert.Equal(0.39, CliRun.ParseTrain("--miner_epsilon", "0.39").MinerEpsilon);
    }

    [Fact]
    public void Help_lists_miner_epsilon()
    {
        var (code, output, _) = CliRun.Run("train", "--help");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("--miner_epsilon ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_miner_epsilon_names_the_flag_and_its_range()
    {
        var (code, _, error) = CliRun.Run("train", "--miner_epsilon", "3", "--num_epochs", "1", "--save_root", Path.GetTempPath());
        Assert.NotEqual(ExitCodes.Success, code);
        Assert.Contains("--miner_epsilon", error, StringComparison.Ordinal);
        Assert.Contains("from 0 to 2", error, StringComparison.Ordinal);
    }
}
