using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Training;

namespace Metrix.Tests;

/// <summary>The settings of pair mining and of the compared methods: accepted ranges and combinations, errors naming the flag.</summary>
public sealed class MethodOptionsTests
{
    [Fact]
    public void Miner_epsilon_is_off_by_default_and_carried_into_the_mixup_settings()
    {
        Assert.Null(new GivenTrainOptions().Resolve().MinerEpsilon);
        Assert.Null(new GivenTrainOptions().Resolve().Mixup.MinerEpsilon);
        var o = new GivenTrainOptions { MinerEpsilon = 0.39, Loss = LossKind.MultiSimilarity }.Resolve();
        Assert.Equal(0.39, o.MinerEpsilon);
        Assert.Equal(0.39, o.Mixup.MinerEpsilon);
    }

    [Fact]
    public void Multi_similarity_mines_with_the_releases_epsilon_on_the_release_recipe_and_not_on_emoji()
    {
        Assert.Equal(0.39, new GivenTrainOptions { Dataset = DatasetKind.Cub, Loss = LossKind.MultiSimilarity }.WithDefaults().MinerEpsilon);
        Assert.Equal(0.39, new GivenTrainOptions { Dataset = DatasetKind.Sop, Loss = LossKind.MultiSimilarity }.WithDefaults().MinerEpsilon);
        Assert.Null(new GivenTrainOptions { Dataset = DatasetKind.Cub }.WithDefaults().MinerEpsilon);
        Assert.Null(new GivenTrainOptions { Dataset = DatasetKind.Cub, Loss = LossKind.ProxyAnchor }.WithDefaults().MinerEpsilon);
        Assert.Null(new GivenTrainOptions { Dataset = DatasetKind.Emoji, Loss = LossKind.MultiSimilarity }.WithDefaults().MinerEpsilon);
        Assert.Null(new GivenTrainOptions { Dataset = DatasetKind.Cub, Loss = LossKind.MultiSimilarity, NoMiner = true }.WithDefaults().MinerEpsilon);
        Assert.Equal(0.1, new GivenTrainOptions { Dataset = DatasetKind.Cub, Loss = LossKind.MultiSimilarity, MinerEpsilon = 0.1 }.WithDefaults().MinerEpsilon);
    }

    [Fact]
    public void A_run_that_did_not_mine_resumes_without_mining_where_the_default_mines()
    {
        using var dir = new Metrix.Testing.TempDirectory();
        var run = RunDirectory.Create(dir.Path, "cub");
        run.WriteConfig(new GivenTrainOptions { Dataset = DatasetKind.Cub, Loss = LossKind.MultiSimilarity, NoMiner = true }.WithDefaults());
        Assert.Null(run.ReadConfig().MinerEpsilon);
        run.WriteConfig(new GivenTrainOptions { Dataset = DatasetKind.Cub, Loss = LossKind.MultiSimilarity }.WithDefaults());
        Assert.Equal(0.39, run.ReadConfig().MinerEpsilon);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(2.01)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Miner_epsilon_outside_zero_to_two_is_refused(double epsilon)
    {
        var e = Assert.Throws<OptionException>(() => new GivenTrainOptions { MinerEpsilon = epsilon }.Resolve());
        Assert.Equal("miner_epsilon", e.Flag);
        Assert.Contains("from 0 to 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LossKind.ProxyAnchor)]
    [InlineData(LossKind.ProxyNcaPlusPlus)]
    [InlineData(LossKind.ProxyNca)]
    [InlineData(LossKind.Nca)]
    public void Miner_epsilon_with_a_loss_without_pairs_to_mine_is_refused(LossKind loss)
    {
        var e = Assert.Throws<OptionException>(() => new GivenTrainOptions { MinerEpsilon = 0.1, Loss = loss }.Resolve());
        Assert.Equal("miner_epsilon", e.Flag);
        Assert.Contains("pair losses", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LossKind.Contrastive)]
    [InlineData(LossKind.MultiSimilarity)]
    [InlineData(LossKind.Binomial)]
    [InlineData(LossKind.Lifted)]
    [InlineData(LossKind.MultiSimilarity, 0.0)]
    [InlineData(LossKind.MultiSimilarity, 2.0)]
    public void Miner_epsilon_is_accepted_with_the_pair_losses(LossKind loss, double epsilon = 0.39) =>
        Assert.Equal(epsilon, new GivenTrainOptions { MinerEpsilon = epsilon, Loss = loss }.Resolve().MinerEpsilon);

    [Fact]
    public void A_run_written_before_mining_existed_resumes_without_it()
    {
        using var dir = new Metrix.Testing.TempDirectory();
        var run = RunDirectory.Create(dir.Path, "old");
        run.WriteConfig(new GivenTrainOptions().Resolve());
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(run.ConfigPath))!.AsObject();
        Assert.True(json.Remove("miner_epsilon"));
        File.WriteAllText(run.ConfigPath, json.ToJsonString());
        Assert.Null(run.ReadConfig().MinerEpsilon);
    }

    [Theory]
    [InlineData("imix", MixMode.IMix)]
    [InlineData("mochi", MixMode.MoChi)]
    [InlineData("ps", MixMode.ProxySynthesis)]
    public void Table_3_methods_have_their_mode_names(string name, MixMode mode)
    {
        Assert.True(SettingChoices.Mode.TryParse(name, out var parsed));
        Assert.Equal(mode, parsed);
        Assert.Equal(name, SettingChoices.Mode.NameOf(mode));
    }

    [Theory]
    [InlineData(MixMode.IMix, LossKind.ProxyAnchor, "mode")]
    [InlineData(MixMode.MoChi, LossKind.ProxyNcaPlusPlus, "mode")]
    [InlineData(MixMode.ProxySynthesis, LossKind.Contrastive, "loss")]
    [InlineData(MixMode.ProxySynthesis, LossKind.ProxyNcaPlusPlus, "loss")]
    public void A_method_with_a_loss_it_is_not_defined_for_is_refused(MixMode mode, LossKind loss, string flag)
    {
        var pairs = mode == MixMode.MoChi ? PairSets.Parse("ancneg") : PairSets.Default;
        var e = Assert.Throws<OptionException>(() => new GivenTrainOptions { Mode = mode, Loss = loss, Pairs = pairs }.Resolve());
        Assert.Equal(flag, e.Flag);
    }

    [Fact]
    public void MoChi_takes_ancneg_or_negneg_pairs_and_negneg_needs_two_hard_negatives()
    {
        var posneg = Assert.Throws<OptionException>(() => new GivenTrainOptions { Mode = MixMode.MoChi, Loss = LossKind.Contrastive }.Resolve());
        Assert.Equal("pairs", posneg.Flag);
        Assert.Contains("ancneg or negneg", posneg.Message, StringComparison.Ordinal);
        var one = Assert.Throws<OptionException>(() => new GivenTrainOptions
        { Mode = MixMode.MoChi, Loss = LossKind.Contrastive, Pairs = PairSets.Parse("negneg"), HardNegatives = 1 }.Resolve());
        Assert.Equal("hard_negatives", one.Flag);
        foreach (var pairs in new[] { "ancneg", "negneg", "ancneg,negneg" })
            Assert.Equal(MixMode.MoChi, new GivenTrainOptions { Mode = MixMode.MoChi, Loss = LossKind.Contrastive, Pairs = PairSets.Parse(pairs) }.Resolve().Mode);
    }

    [Fact]
    public void The_methods_resolve_with_the_losses_of_table_3()
    {
        Assert.Equal(MixMode.IMix, new GivenTrainOptions { Mode = MixMode.IMix, Loss = LossKind.Contrastive }.Resolve().Mode);
        Assert.Equal(MixMode.ProxySynthesis, new GivenTrainOptions { Mode = MixMode.ProxySynthesis, Loss = LossKind.ProxyAnchor }.Resolve().Mode);
        var e = Assert.Throws<OptionException>(() => new GivenTrainOptions { Mode = MixMode.ProxySynthesis, Loss = LossKind.ProxyAnchor, MinerEpsilon = 0.1 }.Resolve());
        Assert.Equal("miner_epsilon", e.Flag);
    }
}
