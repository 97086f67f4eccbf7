namespace Metrix.Cli.Tests;

/// <summary>
/// One hostile input: its class (weights, image, list, …), a name, the file the message must name, what runs
/// it (a command's body under <see cref="CommandRunner.Guard"/>, returning an exit code), the exit codes
/// accepted, a check that nothing was lost or done behind the user's back (null: nothing to check), and when
/// to press Ctrl+C (milliseconds after the start; null: never).
/// </summary>
internal sealed record HostileCase(string Class, string Name, string File, Func<CommandContext, int> Run, int[] Exits, Func<string?>? Lost = null, int? CancelAfterMs = null);
