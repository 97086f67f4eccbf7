using Metrix.Distributed;

namespace Metrix.Tests;

/// <summary>Which communicator a process gets: MPI only under a launcher; otherwise one process, no MPI library loaded.</summary>
public sealed class CommunicatorChoiceTests
{
    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "PMI_RANK=0" }, true)]
    [InlineData(new[] { "PMI_SIZE=2" }, true)]
    [InlineData(new[] { "PMIX_RANK=1" }, true)]
    [InlineData(new[] { "PMI_RANK=" }, false)]
    [InlineData(new[] { "OMP_NUM_THREADS=2" }, false)]
    public void An_MPI_launcher_is_recognised_by_its_variables(string[] variables, bool expected)
    {
        var environment = variables.Select(v => v.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(expected, Communicator.UnderLauncher(name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void Without_a_launcher_the_process_is_a_group_of_one_and_loads_no_MPI_library()
    {
        Assert.False(Communicator.UnderLauncher()); // the test runner is not started by mpiexec
        var communicator = Communicator.FromEnvironment();
        Assert.Same(SingleProcess.Instance, communicator);
        Assert.Equal((0, 1), (communicator.Rank, communicator.Size));
        Assert.Null(MpiCommunicator.Library);
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/maps"), l => l.Contains("libmpi", StringComparison.Ordinal));
    }

    [Fact]
    public void A_group_of_one_sums_in_place_as_the_identity_and_completes_a_started_sum()
    {
        float[] data = [1, 2, 3];
        using var pending = ((ICommunicator)SingleProcess.Instance).BeginAllReduceSum(data);
        Assert.True(pending.Test());
        pending.Wait();
        Assert.Equal([1f, 2, 3], data);
    }
}
