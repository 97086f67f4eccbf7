namespace Metrix.Cli.Tests.Mpi;

/// <summary>The tests that launch <c>mpiexec</c> (category <c>Mpi</c>): one job at a time, as they share the machine's cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MpiCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "MPI jobs";
}
