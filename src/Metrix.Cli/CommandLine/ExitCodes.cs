namespace Metrix.Cli;

/// <summary>Exit codes of every <c>metrix</c> command.</summary>
public static class ExitCodes
{
    /// <summary>The command completed.</summary>
    public const int Success = 0;

    /// <summary>The command failed while running (missing file, unreadable data, diverged training, …).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown flag, bad flag value, missing argument.</summary>
    public const int UsageError = 2;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT); files written so far stay consistent.</summary>
    public const int Interrupted = 130;
}
