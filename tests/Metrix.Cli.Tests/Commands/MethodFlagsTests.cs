namespace Metrix.Cli.Tests;

/// <summary><c>--miner_epsilon</c>, the Table 3 modes and <c>reproduce --table 3</c> on the command line.</summary>
public sealed class MethodFlagsTests
{
    [Fact]
    public void Miner_epsilon_parses_and_is_absent_by_default()
    {
        Assert.Null(CliRun.ParseTrain().MinerEpsilon);
        Assert.Equal(0.39, CliRun.ParseTrain("--miner_epsilon", "0.39").MinerEpsilon);
        var off = CliRun.ParseTrain("--dataset", "cub", "--loss", "multisimilarity", "--miner_epsilon", "off");
        Assert.True(off.NoMiner);
        Assert.Null(off.WithDefaults().MinerEpsilon);
        Assert.Equal(0.39, CliRun.ParseTrain("--dataset", "cub", "--loss", "multisimilarity").WithDefaults().MinerEpsilon);
    }

    [Fact]
    public void A_miner_epsilon_that_is_neither_a_number_nor_off_is_refused()
    {
        var (code, _, error) = CliRun.Run("train", "--miner_epsilon", "none");
        Assert.NotEqual(ExitCodes.Success, code);
        Assert.Contains("--miner_epsilon: invalid value 'none'; expected a number from 0 to 2, or off", error, StringComparison.Ordinal);
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

    [Fact]
    public void Table_3_modes_parse()
    {
        Assert.Equal(Metrix.Mixup.MixMode.IMix, CliRun.ParseTrain("--mode", "imix").Mode);
        Assert.Equal(Metrix.Mixup.MixMode.MoChi, CliRun.ParseTrain("--mode", "mochi").Mode);
        Assert.Equal(Metrix.Mixup.MixMode.ProxySynthesis, CliRun.ParseTrain("--mode", "ps").Mode);
    }

    [Fact]
    public void Reproduce_table_3_prints_the_papers_numbers_and_our_commands_without_training()
    {
        var (code, output, _) = CliRun.Run("reproduce", "--table", "3", "--dataset", "cub", "--seeds", "1,2,3");
        Assert.Equal(ExitCodes.Success, code);
        // Rows of the paper's Table 3 on CUB200: i-Mix 65.8, MoCHi neg-neg 63.1, PS 70.0, Metrix/embed with PA 70.4.
        Assert.Matches(@"i-Mix\s+anc-neg\s+contrastive\s+65\.8\s+76\.2\s+84\.9", output);
        Assert.Matches(@"MoCHi\s+neg-neg\s+contrastive\s+63\.1", output);
        Assert.Matches(@"PS\s+pos-neg / neg-neg\s+proxyanchor\s+70\.0", output);
        Assert.Matches(@"Metrix/embed\s+pos-neg / anc-neg\s+proxyanchor\s+70\.4\s+81\.1\s+87\.9\s*\n", output);
        Assert.DoesNotContain("sop R@", output, StringComparison.Ordinal);
        Assert.Contains("metrix reproduce --dataset cub --loss contrastive --modes baseline,imix,input --seeds 1,2,3", output, StringComparison.Ordinal);
        Assert.Contains("metrix reproduce --dataset cub --loss contrastive --modes mochi --pairs negneg --seeds 1,2,3", output, StringComparison.Ordinal);
        Assert.Contains("metrix reproduce --dataset cub --loss proxyanchor --modes baseline,ps,embed --seeds 1,2,3", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Reproduce_table_3_on_emoji_shows_every_papers_dataset()
    {
        var (code, output, _) = CliRun.Run("reproduce", "--table", "3");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("inshop R@20", output, StringComparison.Ordinal);
        Assert.Contains("metrix reproduce --dataset emoji --loss contrastive --modes mochi --pairs ancneg" + Environment.NewLine, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Reproduce_refuses_a_table_it_does_not_have()
    {
        var (code, _, error) = CliRun.Run("reproduce", "--table", "2");
        Assert.NotEqual(ExitCodes.Success, code);
        Assert.Contains("--table", error, StringComparison.Ordinal);
        Assert.Contains("accepted: 3", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reproduce_names_the_compared_methods_in_its_table()
    {
        Assert.Equal("+ i-Mix", ReproduceCommand.MethodName("imix", "contrastive"));
        Assert.Equal("+ MoCHi", ReproduceCommand.MethodName("mochi", "contrastive"));
        Assert.Equal("+ PS", ReproduceCommand.MethodName("ps", "proxyanchor"));
        Assert.Equal("+ Metrix/embed", ReproduceCommand.MethodName("embed", "proxyanchor"));
        Assert.Equal("proxyanchor", ReproduceCommand.MethodName("baseline", "proxyanchor"));
    }
}
