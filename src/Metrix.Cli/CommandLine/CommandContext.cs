namespace Metrix.Cli;

/// <summary>What a running command needs from its invocation: where to write, whether to be verbose, and the Ctrl+C token.</summary>
public sealed record CommandContext(TextWriter Output, TextWriter Error, bool Verbose, CancellationToken Cancellation);
