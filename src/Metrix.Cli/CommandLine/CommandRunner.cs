using System.CommandLine;
using Metrix.Distributed;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>
/// The plumbing every command shares: the <c>--verbose</c> flag, Ctrl+C, and turning exceptions into a
/// one-line <c>error: …</c> on standard error with an exit code (<see cref="ExitCodes"/>); the stack trace is
/// shown only with <c>--verbose</c>.
/// </summary>
public static class CommandRunner
{
    /// <summary><c>--verbose</c>, accepted by every command.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Show stack traces on errors",
        Arity = ArgumentArity.Zero,
        Recursive = true,
    };

    /// <summary>Cancelled by Ctrl+C while <see cref="Program.Run"/> runs a command.</summary>
    internal static CancellationToken Interrupt { get; set; }

    /// <summary>The ranks of this process (set by <see cref="Program.Main"/>; a group of one otherwise).</summary>
    internal static ICommunicator Communicator { get; set; } = SingleProcess.Instance;

    /// <summary>The commands that run as the ranks of an MPI job; the others run as one process only.</summary>
    public static IReadOnlySet<string> Distributed { get; } = new HashSet<string>(StringComparer.Ordinal) { "train", "reproduce", "bench", "eval", "comm" };

    /// <summary>Makes <paramref name="body"/> the action of <paramref name="command"/>, run under <see cref="Guard"/>.</summary>
    public static void SetAction(Command command, Func<ParseResult, CommandContext, int> body) =>
        command.SetAction(parse =>
        {
            var context = new CommandContext(
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(Verbose), Interrupt)
            {
                Communicator = Communicator,
            };
            return Guard(context, () =>
            {
                if (context.Communicator.Size > 1 && !Distributed.Contains(command.Name))
                    throw new UsageException($"metrix {command.Name} runs as one process, not under mpiexec; under mpiexec run: {string.Join(", ", Distributed.Order(StringComparer.Ordinal))}");
                return body(parse, context);
            });
        });

    /// <summary>Runs <paramref name="body"/>, mapping exceptions to messages and exit codes.</summary>
    public static int Guard(CommandContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is OptionException or UsageException)
        {
            return Report(context, e, ExitCodes.UsageError);
        }
        catch (OperationCanceledException e) when (context.Cancellation.IsCancellationRequested)
        {
            context.Error.WriteLine("interrupted");
            if (context.Verbose) context.Error.WriteLine(e);
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (IsRuntimeFault(e))
        {
            // A runtime message ("Arithmetic operation resulted in an overflow.") says nothing about the user's file:
            // a reader let it through. The user gets what happened and how to report it.
            context.Error.WriteLine($"error: {RankPrefix(context)}unexpected {e.GetType().Name} (a reader did not check its input); run again with --verbose and report the output");
            if (context.Verbose) context.Error.WriteLine(e);
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            return Report(context, e, ExitCodes.Failure);
        }
    }

    /// <summary>In a job of several ranks, which rank reports (every rank may fail, each says so).</summary>
    private static string RankPrefix(CommandContext context) => context.Communicator is { Size: > 1 } c
        ? $"rank {c.Rank} of {c.Size} (pid {Environment.ProcessId}{(c is MpiCommunicator m ? " on " + m.Host : "")}): "
        : "";

    /// <summary>Exceptions whose message is the runtime's, not ours: they name no file and no flag.</summary>
    internal static bool IsRuntimeFault(Exception e) =>
        e is ArithmeticException or InvalidCastException or NullReferenceException or IndexOutOfRangeException or OutOfMemoryException;

    private static int Report(CommandContext context, Exception e, int code)
    {
        context.Error.WriteLine("error: " + RankPrefix(context) + e.Message);
        if (context.Verbose) context.Error.WriteLine(e);
        return code;
    }
}
