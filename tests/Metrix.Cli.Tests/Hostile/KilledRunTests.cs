using System.Diagnostics;
using System.Text.Json;
using Metrix.Training;
using Xunit.Abstractions;

namespace Metrix.Cli.Tests;

/// <summary>
/// Kills at random moments, in a real process: <c>dotnet metrix.dll train</c> on the embedded emoji set with
/// tiny settings is killed (SIGKILL) at seeded random moments and once right after an epoch's log line, then
/// resumed; the finished run must log every epoch exactly once, keep no temporary file and hold its best and
/// last checkpoints.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class KilledRunTests(ITestOutputHelper output)
{
    private const int Epochs = 4;

    [Fact]
    public void A_run_killed_at_random_moments_and_resumed_logs_every_epoch_once()
    {
        using var root = new Testing.TempDirectory("metrix-kill-");
        string run = Path.Combine(root.Path, "k");
        var rng = new Random(2026);
        int kills = 0, tried = 0;
        string[] fresh =
        [
            "train", "--dataset", "emoji", "--image_size", "32", "--batch_size", "8", "--images_per_class", "4", "--max_steps", "2",
            "--val_classes", "12", "--eval_every", "1", "--threads", "1", "--num_workers", "1", "--num_epochs", $"{Epochs}",
            "--lr_decay_step", "1", "--warm", "1", "--seed", "3", "--pretrained", "none", "--save_root", root.Path, "--run_name", "k",
        ];
        // Kill 1 at a random moment, kill 2 as soon as an epoch's log line appears (before its checkpoint), kill 3
        // as soon as last.safetensors is replaced (where a log written after the checkpoint lost the epoch).
        var plan = new Func<Process, bool>[]
        {
            p => KillAfter(p, rng.Next(2500, 6000)),
            p => KillWhenChanged(p, Path.Combine(run, RunDirectory.LogFile)),
            p => KillWhenChanged(p, Path.Combine(run, RunDirectory.LastFile)),
        };
        foreach (var kill in plan)
        {
            tried++;
            bool started = File.Exists(Path.Combine(run, RunDirectory.ConfigFile));
            if (!started && Directory.Exists(run)) Directory.Delete(run, recursive: true); // killed before config.json: nothing to lose
            var p = Start(started ? ["train", "--resume", run, "--threads", "1", "--num_workers", "1"] : fresh);
            if (kill(p)) kills++;
            p.WaitForExit();
        }
        var last = Start(["train", "--resume", run, "--threads", "1", "--num_workers", "1"]);
        string error = last.StandardError.ReadToEnd();
        last.WaitForExit();
        output.WriteLine($"killed runs: tried {tried + 1}, killed {kills}, final exit {last.ExitCode}");
        Assert.True(last.ExitCode == 0, error);
        var epochs = File.ReadAllLines(Path.Combine(run, RunDirectory.LogFile))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, Epochs), epochs);
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp"));
        Assert.Empty(Directory.EnumerateFiles(run, ".*"));
        Assert.True(File.Exists(Path.Combine(run, RunDirectory.LastFile)));
        Assert.True(File.Exists(Path.Combine(run, RunDirectory.BestFile)));
        Assert.False(File.Exists(Path.Combine(run, RunLock.OwnerFile)));
        Console.WriteLine($"hostile inputs: killed runs | {tried + 1} | {tried + 1} | 0 | 0 | 0 (kills landed: {kills})");
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "metrix.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        var p = Process.Start(info)!;
        // Drain the pipes so the child never blocks on a full one.
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        return p;
    }

    /// <summary>Kills <paramref name="p"/> after <paramref name="ms"/> unless it ended; whether it was killed.</summary>
    private static bool KillAfter(Process p, int ms)
    {
        _ = p.StandardError.ReadToEndAsync();
        if (p.WaitForExit(ms)) return false;
        p.Kill(entireProcessTree: true);
        return true;
    }

    /// <summary>Kills <paramref name="p"/> as soon as <paramref name="log"/> changes (within a few milliseconds).</summary>
    private static bool KillWhenChanged(Process p, string log)
    {
        _ = p.StandardError.ReadToEndAsync();
        DateTime Stamp() => File.Exists(log) ? File.GetLastWriteTimeUtc(log) : DateTime.MinValue;
        var before = Stamp();
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (Stamp() != before)
            {
                p.Kill(entireProcessTree: true);
                return true;
            }
            Thread.Sleep(2);
        }
        return false;
    }
}
