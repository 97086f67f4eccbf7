namespace Metrix.Cli;

/// <summary>A command line that cannot run (exit code 2); the message names the flag or argument.</summary>
public sealed class UsageException(string message) : Exception(message);
