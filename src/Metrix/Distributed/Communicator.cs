namespace Metrix.Distributed;

/// <summary>
/// Chooses the communicator for this process: the MPI job's when an MPI launcher started it (<c>mpiexec</c>,
/// <c>mpirun</c>, or a batch system's PMI launch such as <c>srun --mpi=pmi2</c>), otherwise
/// <see cref="SingleProcess"/>, without loading any MPI library.
/// </summary>
public static class Communicator
{
    /// <summary>
    /// Variables an MPICH-ABI launcher sets for every process it starts (Hydra: PMI_RANK, PMI_SIZE, PMI_FD or
    /// PMI_PORT; PMIx-based launchers: PMIX_RANK).
    /// </summary>
    public static IReadOnlyList<string> LauncherVariables { get; } = ["PMI_RANK", "PMI_SIZE", "PMIX_RANK"];

    /// <summary>Whether <paramref name="environment"/> (default: this process's) shows an MPI launcher.</summary>
    public static bool UnderLauncher(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return LauncherVariables.Any(v => !string.IsNullOrEmpty(environment(v)));
    }

    /// <summary>
    /// The MPI job's communicator under a launcher (MPI is initialised here; dispose it to finalise), else
    /// <see cref="SingleProcess.Instance"/>.
    /// </summary>
    /// <exception cref="DllNotFoundException">Launched by MPI but no MPICH-ABI library could be loaded; the message says which and how to install one.</exception>
    public static ICommunicator FromEnvironment() => UnderLauncher() ? MpiCommunicator.Start() : SingleProcess.Instance;

    /// <summary>
    /// Compute threads per rank when none are set (<c>--threads 0</c> and no METRIX_THREADS): the machine's cores
    /// divided among the ranks running on it, at least 1; a single process keeps every core.
    /// </summary>
    public static int DefaultThreads(ICommunicator communicator)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("METRIX_THREADS"), out int set) && set > 0) return set;
        int local = communicator is MpiCommunicator mpi ? mpi.LocalSize : 1;
        return Math.Max(1, Environment.ProcessorCount / Math.Max(1, local));
    }
}
