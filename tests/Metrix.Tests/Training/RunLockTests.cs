using System.Diagnostics;
using Metrix.Training;

namespace Metrix.Tests;

/// <summary>One writer per run directory, temporary files of killed runs removed, and the epoch's end in a safe order.</summary>
public sealed class RunLockTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("metrix-lock-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_second_writer_is_refused_with_a_message_naming_the_holder()
    {
        var run = RunDirectory.Create(_root, "run");
        using (run.Lock())
        {
            var ex = Assert.Throws<RunLockedException>(() => run.Lock());
            Assert.Contains(run.Path, ex.Message);
            Assert.Contains($"process {Environment.ProcessId}", ex.Message);
            Assert.Contains(RunLock.LockFile, ex.Message);
        }
        // Released: the next run takes it, and the holder's description went with the first.
        using (run.Lock()) Assert.True(File.Exists(Path.Combine(run.Path, RunLock.OwnerFile)));
        Assert.False(File.Exists(Path.Combine(run.Path, RunLock.OwnerFile)));
    }

    [Fact]
    public void A_lock_left_by_a_killed_process_does_not_block_the_next_run()
    {
        var run = RunDirectory.Create(_root, "run");
        // What a killed run leaves: the lock file and its owner's description, no process holding either.
        File.WriteAllText(Path.Combine(run.Path, RunLock.LockFile), "");
        File.WriteAllText(Path.Combine(run.Path, RunLock.OwnerFile), "process 1 on elsewhere since 2020-01-01 00:00:00 UTC\n");
        using var held = run.Lock();
        Assert.Contains($"process {Environment.ProcessId}", File.ReadAllText(Path.Combine(run.Path, RunLock.OwnerFile)));
    }

    [Fact]
    public void Taking_the_lock_removes_temporary_files_of_interrupted_writes()
    {
        var run = RunDirectory.Create(_root, "run");
        string orphan = Path.Combine(run.Path, ".best.safetensors.4242.0123456789abcdef.tmp");
        string kept = Path.Combine(run.Path, "notes.tmp");
        File.WriteAllText(orphan, "half a checkpoint");
        File.WriteAllText(kept, "the user's");
        using (run.Lock())
        {
            Assert.False(File.Exists(orphan));
            Assert.True(File.Exists(kept));
        }
    }

    [Fact]
    public void An_epoch_is_logged_before_the_checkpoint_that_commits_it()
    {
        var run = RunDirectory.Create(_root, "run");
        var order = new List<string>();
        var record = new EpochRecord(0, 1, 1, null, 1e-3, new Dictionary<string, double> { ["1"] = 50 }, 10, 1, 100);
        run.CompleteEpoch([record],
            best => order.Add(Path.GetFileName(best) + (File.Exists(run.LogPath) ? " after the log" : " before the log")),
            last => order.Add(Path.GetFileName(last) + (File.Exists(run.LogPath) ? " after the log" : " before the log")));
        Assert.Equal([$"{RunDirectory.BestFile} after the log", $"{RunDirectory.LastFile} after the log"], order);
        Assert.Single(run.ReadLog());
    }

    [Fact]
    public void Two_processes_cannot_hold_one_directory()
    {
        // flock is per open file, so a second process sees the same refusal as a second opener here; this checks
        // it across processes with the system's flock(1), which takes the same lock our FileShare.None takes.
        var run = RunDirectory.Create(_root, "run");
        using var held = run.Lock();
        var info = new ProcessStartInfo("flock", ["-n", "-x", Path.Combine(run.Path, RunLock.LockFile), "true"]) { UseShellExecute = false };
        Process? p;
        try { p = Process.Start(info); }
        catch (System.ComponentModel.Win32Exception) { return; } // no flock(1) on this system
        p!.WaitForExit();
        Assert.NotEqual(0, p.ExitCode);
    }
}
