using System.CommandLine;

namespace Metrix.Cli.Tests;

public sealed class ArgparseStyleTests
{
    private static RootCommand Root()
    {
        var root = new RootCommand();
        root.Options.Add(CommandRunner.Verbose);
        var sub = new Command("go");
        sub.Options.Add(Flags.Int("n", "", 1));
        sub.Options.Add(Flags.Bool("flag", "", false, bare: true));
        sub.Options.Add(new Option<string[]>("--many") { AllowMultipleArgumentsPerToken = true });
        root.Subcommands.Add(sub);
        return root;
    }

    [Theory]
    [InlineData("go --n 1 --n 2", "go --n 2")]
    [InlineData("go --n 1 --flag --n 3", "go --flag --n 3")]
    [InlineData("go --flag true --n 1 --flag", "go --n 1 --flag")]
    [InlineData("go --n=4 --n 5", "go --n 5")]
    [InlineData("go --n 5 --n=4", "go --n=4")]
    [InlineData("go --n -3", "go --n -3")]
    [InlineData("go --verbose --n 1 --verbose", "go --verbose --n 1 --verbose")]
    [InlineData("go --many a b --many c", "go --many a b --many c")]
    [InlineData("go --unknown 1 --unknown 2", "go --unknown 1 --unknown 2")]
    public void Last_occurrence_wins(string input, string expected) =>
        Assert.Equal(expected, string.Join(' ', ArgparseStyle.LastWins(Root(), input.Split(' '))));

    [Theory]
    [InlineData("True", true)]
    [InlineData("on", true)]
    [InlineData("1", true)]
    [InlineData("OFF", false)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("2", null)]
    [InlineData("", null)]
    public void Booleans_are_spelled_as_in_the_release(string text, bool? expected) =>
        Assert.Equal(expected, ArgparseStyle.ParseBool(text));
}
