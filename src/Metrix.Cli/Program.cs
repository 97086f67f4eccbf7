using System.CommandLine;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>Entry point of the <c>metrix</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen command.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs <c>metrix</c> with <paramref name="args"/> (argparse conventions: see <see cref="ArgparseStyle"/>),
    /// writing to <paramref name="output"/> and <paramref name="error"/>; returns the exit code (<see cref="ExitCodes"/>).
    /// </summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var root = BuildRoot();
        var parse = root.Parse(ArgparseStyle.LastWins(root, args));
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine("error: " + e.Message);
            error.WriteLine($"Run '{string.Join(' ', CommandPath(parse))} --help' for the accepted flags.");
            return ExitCodes.UsageError;
        }
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        CommandRunner.Interrupt = interrupt.Token;
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            CommandRunner.Interrupt = CancellationToken.None;
        }
    }

    /// <summary>The root command with every sub-command (one file per command under Commands/).</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Metrix: deep metric learning with mixup, on a managed CPU engine.");
        root.Options.Add(CommandRunner.Verbose);
        root.Subcommands.Add(new TrainCommand(Trainer.Run));
        root.Subcommands.Add(new ReproduceCommand(Trainer.Run));
        root.Subcommands.Add(new EvalCommand());
        root.Subcommands.Add(new EmbedCommand());
        root.Subcommands.Add(new SearchCommand());
        root.Subcommands.Add(new ExportCommand());
        root.Subcommands.Add(new IndexCommand());
        root.Subcommands.Add(new ServeCommand());
        root.Subcommands.Add(new AnalyzeCommand());
        root.Subcommands.Add(new BenchCommand());
        root.Subcommands.Add(new DataCommand());
        return root;
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var c = parse.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(c.Command is RootCommand ? "metrix" : c.Command.Name);
        names.Reverse();
        return names;
    }
}
