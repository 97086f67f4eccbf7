using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;

namespace Metrix.Cli.Tests.Mpi;

/// <summary>
/// A distributed run that loses a rank: killed, failing or hung, every rank ends non-zero within seconds with a
/// message that names the rank, no checkpoint is left half-written, and <c>--resume</c> continues (on another
/// number of ranks too).
/// </summary>
[Collection(MpiCollection.Name)]
[Trait("Category", "Mpi")]
public sealed partial class MpiFailureTests
{
    private static string[] Tiny(string saveRoot, string name, int epochs, int steps) =>
    [
        "train", "--dataset", "emoji", "--image_size", "32", "--batch_size", "8", "--images_per_class", "4", "--max_steps", $"{steps}",
        "--val_classes", "12", "--eval_every", "1", "--threads", "1", "--num_workers", "1", "--num_epochs", $"{epochs}",
        "--lr_decay_step", "1", "--seed", "3", "--pretrained", "none", "--save_root", saveRoot, "--run_name", name,
    ];

    [GeneratedRegex(@"rank (\d+): pid (\d+)")]
    private static partial Regex RankPid();

    [Fact]
    public void A_killed_rank_ends_the_job_within_seconds_and_resume_on_three_ranks_continues()
    {
        using var root = new TempDirectory("metrix-mpi-kill-");
        string run = Path.Combine(root.Path, "k");
        string log = Path.Combine(run, RunDirectory.LogFile);
        const int Epochs = 3;
        int killed;
        using (var job = MpiJob.Start(2, Tiny(root.Path, "k", Epochs, 4)))
        {
            // Killed as soon as the first epoch is logged: rank 0 is then writing its checkpoints.
            Assert.True(job.WaitUntil(() => File.Exists(log), TimeSpan.FromMinutes(2)), job.Output + job.Error);
            var ranks = RankPid().Matches(job.Output).ToDictionary(m => int.Parse(m.Groups[1].Value), m => int.Parse(m.Groups[2].Value));
            killed = ranks[1];
            Process.GetProcessById(killed).Kill();
            var clock = Stopwatch.StartNew();
            int code = job.Wait(TimeSpan.FromSeconds(30));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the job took {clock.Elapsed} to end after the kill");
            Assert.NotEqual(0, code);
            // The killed rank's supervisor names it (the launcher's own report may name another rank's process).
            Assert.Matches($@"error: rank 1 of 2 \(pid {killed} on [^)]+\) was killed by signal 9 \(SIGKILL\); the job ends", job.Error);
            Assert.Contains($"rank 1: pid {killed}", job.Output);
            Assert.Empty(MpiJob.StillRunning(ranks.Values, TimeSpan.FromSeconds(10)));
        }
        // Whatever was being written is either whole or a temporary file the resumed run removes.
        foreach (var checkpoint in Directory.EnumerateFiles(run, "*.safetensors"))
            Assert.NotEmpty(SafeTensors.Read(checkpoint).Tensors);

        var (resumed, output, error) = MpiJob.Run(3, ["train", "--resume", run, "--threads", "1", "--num_workers", "1"]);
        Assert.True(resumed == 0, output + error);
        Assert.Contains("3 ranks", output);
        var epochs = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, Epochs), epochs);
        Assert.Empty(Directory.EnumerateFiles(run, ".*"));
        Assert.True(File.Exists(Path.Combine(run, RunDirectory.LastFile)));
    }

    [Fact]
    public void A_rank_whose_supervisor_is_killed_ends_the_job_and_leaves_no_worker_running()
    {
        // Each rank is a supervisor and the worker it started (the process in rank 0's list); a launcher that kills
        // only the supervisor must not leave its worker training, nor the job waiting for it.
        using var root = new TempDirectory("metrix-mpi-supervisor-");
        using var job = MpiJob.Start(2, Tiny(root.Path, "s", 2, 200));
        Assert.True(job.WaitUntil(() => RankPid().Matches(job.Output).Count == 2, TimeSpan.FromMinutes(2)), job.Output + job.Error);
        var workers = RankPid().Matches(job.Output).Select(m => int.Parse(m.Groups[2].Value)).ToArray();
        int supervisor = MpiJob.Parent(workers[1]);
        Assert.NotEqual(supervisor, MpiJob.Parent(workers[0]));
        Assert.Contains("metrix.dll", File.ReadAllText($"/proc/{supervisor}/cmdline"));
        Process.GetProcessById(supervisor).Kill();
        int code = job.Wait(TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, code);
        Assert.Empty(MpiJob.StillRunning(workers, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_rank_that_fails_ends_the_job_and_says_which()
    {
        // The data must be at the same path on every machine: here rank 1 runs in another folder, where the
        // relative --data_root holds nothing.
        using var root = new TempDirectory("metrix-mpi-fail-");
        FakeDatasets.Cub(Path.Combine(root.Path, "data"));
        string elsewhere = Directory.CreateDirectory(Path.Combine(root.Path, "elsewhere")).FullName;
        string[] train = ["train", "--dataset", "cub", "--data_root", "data", "--image_size", "32", "--batch_size", "8", "--max_steps", "2",
            "--num_epochs", "1", "--threads", "1", "--num_workers", "1", "--pretrained", "none", "--save_root", root.Path, "--run_name", "f"];
        using var job = MpiJob.StartRaw(["-n", "1", "-wdir", root.Path, "dotnet", MpiJob.Metrix, .. train, ":",
            "-n", "1", "-wdir", elsewhere, "dotnet", MpiJob.Metrix, .. train]);
        int code = job.Wait(TimeSpan.FromMinutes(2));
        Assert.NotEqual(0, code);
        Assert.Matches(@"error: rank 1 of 2 \(pid \d+ on [^)]+\): .*CUB_200_2011", job.Error);
        Assert.DoesNotContain("error: rank 0", job.Error);
    }

    [Fact]
    public void A_hung_rank_is_ended_by_the_watchdog_of_the_rank_waiting_for_it()
    {
        using var root = new TempDirectory("metrix-mpi-hang-");
        using var job = MpiJob.Start(2, Tiny(root.Path, "h", 2, 200), ["-genv", "METRIX_MPI_TIMEOUT", "3"]);
        Assert.True(job.WaitUntil(() => job.Output.Contains("step ", StringComparison.Ordinal) || RankPid().Matches(job.Output).Count == 2,
            TimeSpan.FromMinutes(2)), job.Output + job.Error);
        int hung = int.Parse(RankPid().Matches(job.Output).Single(m => m.Groups[1].Value == "1").Groups[2].Value);
        Thread.Sleep(3000); // into the training steps
        using (var stop = Process.Start("kill", ["-STOP", $"{hung}"])) stop.WaitForExit();
        int code = job.Wait(TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, code);
        Assert.Matches(@"error: rank 0 of 2 \([^)]*\): MPI_\w+ has waited \d+ s for the other ranks", job.Error);
        Assert.Empty(MpiJob.StillRunning([hung], TimeSpan.FromSeconds(10))); // the hung rank is not left behind
    }

    [Fact]
    public void More_processes_than_images_in_a_batch_is_a_usage_error_before_any_directory()
    {
        using var root = new TempDirectory("metrix-mpi-share-");
        var (code, _, error) = MpiJob.Run(3, ["train", "--batch_size", "2", "--images_per_class", "1", "--max_steps", "1", "--num_epochs", "1",
            "--image_size", "32", "--threads", "1", "--pretrained", "none", "--save_root", root.Path, "--run_name", "s"]);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--batch_size: a global batch of 2 images cannot be shared by 3 processes", error);
        Assert.False(Directory.Exists(Path.Combine(root.Path, "s")));
    }

    [Fact]
    public void Under_a_launcher_without_an_MPI_library_the_error_says_what_to_install()
    {
        var (code, _, error) = MpiJob.Run(1, ["train", "--help"], ["-genv", "METRIX_MPI_LIBRARY", "/nonexistent/libmpi.so.12"]);
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/libmpi.so.12", error);
        Assert.Contains("apt-get install -y mpich", error);
    }

    [Fact]
    public void A_command_that_runs_as_one_process_refuses_mpiexec()
    {
        var (code, _, error) = MpiJob.Run(2, ["embed", "--checkpoint", "absent.safetensors", "--out", "absent.npy"]);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("metrix embed runs as one process, not under mpiexec", error);
    }
}
