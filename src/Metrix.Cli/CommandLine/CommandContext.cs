namespace Metrix.Cli;

/// <summary>What a running command needs from its invocation: where to write, whether to be verbose, and the Ctrl+C token.</summary>
public sealed record CommandContext(TextWriter Output, TextWriter Error, bool Verbose, CancellationToken Cancellation)
{
    /// <summary>The ranks this process runs with: the MPI job's under <c>mpiexec</c>, else a group of one.</summary>
    public Metrix.Distributed.ICommunicator Communicator { get; init; } = Metrix.Distributed.SingleProcess.Instance;
}
