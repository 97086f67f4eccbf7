using Metrix.Training;

namespace Metrix.Cli.Tests;

/// <summary>Runs the command in-process and captures its output.</summary>
internal static class CliRun
{
    /// <summary>Exit code, standard output and standard error of <c>metrix args…</c>.</summary>
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The options <c>metrix train args…</c> parses into (before dataset defaults), asserting no parse error.</summary>
    public static GivenTrainOptions ParseTrain(params string[] args)
    {
        var root = Program.BuildRoot();
        var parse = root.Parse(ArgparseStyle.LastWins(root, ["train", .. args]));
        Assert.Empty(parse.Errors.Select(e => e.Message));
        return ((TrainCommand)parse.CommandResult.Command).Bind(parse);
    }

    /// <summary>Splits a shell command line on spaces (the seed commands have no quoting).</summary>
    public static string[] Words(string commandLine) =>
        commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
