namespace Metrix.Cli.Tests;

/// <summary>When a rank runs as a supervisor and a worker, and the line the supervisor writes when a signal ends the worker.</summary>
public sealed class RankSupervisorTests
{
    private static Func<string, string?> Environment(params string[] variables)
    {
        var map = variables.Select(v => v.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void Only_a_process_started_by_a_launcher_and_not_yet_a_worker_supervises()
    {
        Assert.True(RankSupervisor.Applies(Environment("PMI_RANK=0", "PMI_SIZE=2")));
        Assert.True(RankSupervisor.Applies(Environment("PMIX_RANK=1")));
        Assert.False(RankSupervisor.Applies(Environment("PMI_RANK=0", "PMI_SIZE=2", $"{RankSupervisor.WorkerVariable}=123")));
        Assert.False(RankSupervisor.Applies(Environment()));
        Assert.False(RankSupervisor.Applies()); // the test runner is not started by mpiexec
    }

    [Fact]
    public void A_worker_killed_by_SIGKILL_is_named_with_its_rank_pid_and_machine_and_the_OOM_killer_hint()
    {
        string? message = RankSupervisor.DeathMessage(128 + 9, Environment("PMI_RANK=1", "PMI_SIZE=2"), 4242, "node7");
        Assert.NotNull(message);
        Assert.StartsWith("error: rank 1 of 2 (pid 4242 on node7) was killed by signal 9 (SIGKILL); the job ends.", message);
        Assert.Contains("journalctl -k", message);
    }

    [Theory]
    [InlineData(128 + 15, "signal 15 (SIGTERM)")]
    [InlineData(128 + 11, "signal 11 (SIGSEGV)")]
    [InlineData(128 + 6, "signal 6 (SIGABRT)")]
    [InlineData(128 + 40, "signal 40;")]
    public void Other_signals_are_named_without_the_OOM_hint(int exitCode, string expected)
    {
        string message = RankSupervisor.DeathMessage(exitCode, Environment("PMIX_RANK=3"), 7, "h")!;
        Assert.StartsWith($"error: rank 3 (pid 7 on h) was killed by {expected}", message);
        Assert.DoesNotContain("dmesg", message);
    }

    [Theory]
    [InlineData(ExitCodes.Success)]
    [InlineData(ExitCodes.Failure)]
    [InlineData(ExitCodes.UsageError)]
    [InlineData(ExitCodes.Interrupted)]
    [InlineData(128)]
    [InlineData(255)]
    public void The_workers_own_exit_codes_add_no_line(int exitCode) =>
        Assert.Null(RankSupervisor.DeathMessage(exitCode, Environment("PMI_RANK=0", "PMI_SIZE=2"), 1, "h"));
}
