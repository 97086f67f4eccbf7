using System.CommandLine;
using Metrix.Distributed;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>Entry point of the <c>metrix</c> command.</summary>
public static class Program
{
    /// <summary>
    /// Parses the command line and runs the chosen command. Started by an MPI launcher (<c>mpiexec -n N metrix …</c>)
    /// the process is one rank of the job: only rank 0 writes to standard output, every rank reports its errors,
    /// and a rank that fails ends the whole job (MPI_Abort) rather than leave the others waiting for it. Each rank runs
    /// as a supervisor and its worker (<see cref="RankSupervisor"/>), so that a rank killed outright is named too.
    /// </summary>
    public static int Main(string[] args)
    {
        if (RankSupervisor.Applies()) return RankSupervisor.Run();
        RankSupervisor.BindToSupervisor();
        ICommunicator communicator;
        try
        {
            communicator = Communicator.FromEnvironment();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or MpiException or ArgumentException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return ExitCodes.Failure;
        }
        using (communicator)
        {
            CommandRunner.Communicator = communicator;
            int code;
            try
            {
                code = Run(args, communicator.Rank == 0 ? Console.Out : TextWriter.Null, Console.Error);
            }
            catch (Exception e) when (communicator.Size > 1)
            {
                Console.Error.WriteLine($"error: rank {communicator.Rank} of {communicator.Size}: {e}");
                code = ExitCodes.Failure;
            }
            if (code != ExitCodes.Success && communicator.Size > 1) communicator.Abort(code);
            return code;
        }
    }

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
        var communicator = CommandRunner.Communicator;
        TrainLoop loop = (options, run, observer, cancel) => Trainer.Run(options, run, observer, communicator, cancel);
        root.Subcommands.Add(new TrainCommand(loop));
        root.Subcommands.Add(new ReproduceCommand(loop));
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
