using System.Diagnostics;
using System.Runtime.InteropServices;
using Metrix.Training;

namespace Metrix.Cli.Tests;

/// <summary>
/// Ctrl+C during <c>metrix train</c>, in a real process: SIGINT (what the terminal sends) while it trains on the
/// embedded emoji set ends it with exit code 130 (128 + SIGINT) and "interrupted" on standard error, after the
/// run lock is released and with no temporary file left. A process the signal simply killed would also report
/// 130, so the message and the released lock are what show that the command itself stopped.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class TrainInterruptTests
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private const int Sigint = 2;

    [Fact]
    public async Task Sigint_during_training_exits_130_with_the_run_consistent()
    {
        using var root = new Testing.TempDirectory("metrix-interrupt-");
        string run = Path.Combine(root.Path, "i");
        // A process inherits an ignored SIGINT (a test host started in the background by a non-interactive shell has
        // one) and .NET then leaves it ignored; a terminal's command starts with the default, which env restores.
        var info = new ProcessStartInfo("/usr/bin/env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "metrix.dll"));
        foreach (var a in new[]
                 {
                     "train", "--dataset", "emoji", "--image_size", "32", "--batch_size", "8", "--images_per_class", "4",
                     "--val_classes", "12", "--num_epochs", "50", "--threads", "1", "--num_workers", "1", "--seed", "3",
                     "--save_root", root.Path, "--run_name", "i",
                 })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        try
        {
            await Interrupt(p, run);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    private static async Task Interrupt(Process p, string run)
    {
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        var error = p.StandardError.ReadToEndAsync();

        // config.json is written inside the command, after the Ctrl+C handler is installed; a second later the run
        // is loading or training.
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(120) && !File.Exists(Path.Combine(run, RunDirectory.ConfigFile)))
            await Task.Delay(20);
        await Task.Delay(1000);
        if (p.HasExited) Assert.Fail($"metrix train ended before it was interrupted: {await error}");
        Assert.Equal(0, Kill(p.Id, Sigint));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("metrix train did not stop within two minutes of SIGINT");
        }
        string stderr = await error;

        Assert.Equal(ExitCodes.Interrupted, p.ExitCode);
        Assert.Equal(130, ExitCodes.Interrupted);
        Assert.StartsWith("interrupted", stderr);
        Assert.False(File.Exists(Path.Combine(run, RunLock.OwnerFile)), "the run lock was not released");
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp"));
    }
}
