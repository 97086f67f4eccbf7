using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Training;

namespace Metrix.Tests;

public sealed class SettingChoicesTests
{
    [Fact]
    public void Every_enum_value_has_one_name_and_names_round_trip()
    {
        AssertRoundTrip(SettingChoices.Dataset);
        AssertRoundTrip(SettingChoices.Model);
        AssertRoundTrip(SettingChoices.Loss);
        AssertRoundTrip(SettingChoices.Mode);
        AssertRoundTrip(SettingChoices.Optimizer);
        AssertRoundTrip(SettingChoices.LrSchedule);
        AssertRoundTrip(SettingChoices.Pairs);
    }

    private static void AssertRoundTrip<T>(Choices<T> choices) where T : struct, Enum
    {
        Assert.Equal(Enum.GetValues<T>().Length, choices.Names.Count);
        foreach (var value in Enum.GetValues<T>())
            Assert.Equal(value, choices.Parse(choices.NameOf(value)));
        Assert.Same(choices, SettingChoices.Of<T>());
    }

    [Fact]
    public void The_loss_names_are_the_ones_the_loss_factory_builds()
    {
        Assert.Equal(LossFactory.Names, SettingChoices.Loss.Names);
        foreach (var name in SettingChoices.Loss.Names)
            Assert.NotNull(LossFactory.Create(name, 3, 4, new Metrix.Tensors.Rng(1)));
    }

    [Theory]
    [InlineData("rmsprop")]
    [InlineData("SGD")]
    [InlineData("")]
    public void An_unknown_optimizer_is_an_error_not_a_default(string name)
    {
        var e = Assert.Throws<OptionException>(() => SettingChoices.Optimizer.Parse(name));

        Assert.Equal("optimizer", e.Flag);
        Assert.Equal($"--optimizer: invalid value '{name}'; accepted: adam, adamw, sgd", e.Message);
    }

    [Fact]
    public void Every_dataset_has_one_descriptor_with_its_protocol_and_sampling()
    {
        Assert.Equal(Enum.GetValues<DatasetKind>(), DatasetDescriptors.All.Select(d => d.Kind));
        Assert.Equal(["emoji", "cub", "cars", "sop", "inshop", "folder"], SettingChoices.Dataset.Names);
        Assert.Equal([DatasetKind.Emoji, DatasetKind.Sop, DatasetKind.InShop], DatasetDescriptors.All.Where(d => d.Balanced).Select(d => d.Kind));
        Assert.True(DatasetDescriptors.For(DatasetKind.InShop).Protocol.QueryVsGallery);
        Assert.Equal([1, 10, 100, 1000], DatasetDescriptors.For(DatasetKind.Sop).Protocol.Ks);
        Assert.Same(TrainDefaults.Emoji, DatasetDescriptors.For(DatasetKind.Emoji).Defaults);
        Assert.All(DatasetDescriptors.All.Where(d => d.Kind != DatasetKind.Emoji), d => Assert.Same(TrainDefaults.Release, d.Defaults));
        Assert.Equal("--dataset: invalid value 'imagenet'; accepted: emoji, cub, cars, sop, inshop, folder",
            Assert.Throws<OptionException>(() => DatasetDescriptors.Parse("imagenet")).Message);
    }

    [Fact]
    public void Pair_sets_parse_print_and_compare_by_their_sets()
    {
        var sets = PairSets.Parse(" ancneg, pospos ");

        Assert.Equal([PairSet.AncNeg, PairSet.PosPos], sets.Items);
        Assert.Equal("ancneg,pospos", sets.ToString());
        Assert.Equal(PairSets.Parse("ancneg,pospos"), sets);
        Assert.NotEqual(PairSets.Parse("pospos,ancneg"), sets);
        Assert.Equal("pairs", Assert.Throws<OptionException>(() => PairSets.Parse(",")).Flag);
    }
}
