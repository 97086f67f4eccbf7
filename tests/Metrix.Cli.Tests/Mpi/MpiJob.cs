using System.Diagnostics;
using System.Text;

namespace Metrix.Cli.Tests.Mpi;

/// <summary>
/// <c>mpiexec -n N dotnet metrix.dll …</c> over loopback (MPICH's Hydra launcher), its output collected as it comes.
/// </summary>
internal sealed class MpiJob : IDisposable
{
    private readonly StringBuilder _output = new(), _error = new();

    private MpiJob(Process process) => Process = process;

    /// <summary>The <c>mpiexec</c> process.</summary>
    public Process Process { get; }

    /// <summary>Standard output so far (rank 0's and the launcher's).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Standard error so far (every rank's).</summary>
    public string Error
    {
        get { lock (_error) return _error.ToString(); }
    }

    /// <summary>The metrix command of the test build.</summary>
    public static string Metrix => Path.Combine(AppContext.BaseDirectory, "metrix.dll");

    /// <summary>Starts <paramref name="ranks"/> ranks of <c>metrix args…</c>; <paramref name="launcher"/> goes before <c>-n</c> (e.g. <c>-genv</c>).</summary>
    public static MpiJob Start(int ranks, IEnumerable<string> args, IEnumerable<string>? launcher = null) =>
        StartRaw([.. launcher ?? [], "-n", $"{ranks}", "dotnet", Metrix, .. args]);

    /// <summary>Starts <c>mpiexec</c> with exactly <paramref name="arguments"/> (for MPMD jobs, <c>A : B</c>).</summary>
    public static MpiJob StartRaw(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("mpiexec") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        // The job must not take its thread count from the test runner's environment.
        info.Environment.Remove("METRIX_THREADS");
        var job = new MpiJob(Process.Start(info)!);
        job.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (job._output) job._output.AppendLine(e.Data);
        };
        job.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (job._error) job._error.AppendLine(e.Data);
        };
        job.Process.BeginOutputReadLine();
        job.Process.BeginErrorReadLine();
        return job;
    }

    /// <summary>Runs a job to its end (at most <paramref name="minutes"/>); its exit code.</summary>
    public static (int Code, string Output, string Error) Run(int ranks, IEnumerable<string> args, IEnumerable<string>? launcher = null, double minutes = 3)
    {
        using var job = Start(ranks, args, launcher);
        int code = job.Wait(TimeSpan.FromMinutes(minutes));
        return (code, job.Output, job.Error);
    }

    /// <summary>Waits for the end (the job is killed after <paramref name="limit"/> and the test fails); the exit code.</summary>
    public int Wait(TimeSpan limit)
    {
        if (!Process.WaitForExit(limit))
        {
            Process.Kill(entireProcessTree: true);
            Assert.Fail($"mpiexec did not end within {limit}; output:\n{Output}\nerrors:\n{Error}");
        }
        Process.WaitForExit(); // the output events have all arrived
        return Process.ExitCode;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked every 50 ms) or the job ends; whether it held.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit && !Process.HasExited)
        {
            if (condition()) return true;
            Thread.Sleep(50);
        }
        return condition();
    }

    /// <summary>Whether process <paramref name="pid"/> runs: it exists and is not a zombie waiting to be reaped.</summary>
    public static bool Running(int pid) => Stat(pid) is { } fields && fields[0] is not "Z" and not "X";

    /// <summary>The parent of process <paramref name="pid"/> (it must exist).</summary>
    public static int Parent(int pid) => int.Parse(Stat(pid)![1]);

    /// <summary>Those of <paramref name="pids"/> that still run after at most <paramref name="limit"/> (a killed process takes a moment to go).</summary>
    public static int[] StillRunning(IEnumerable<int> pids, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        int[] running;
        while ((running = pids.Where(Running).ToArray()).Length > 0 && clock.Elapsed < limit) Thread.Sleep(50);
        return running;
    }

    /// <summary>The fields of /proc/PID/stat after the command name (state, parent, …); null when there is no such process.</summary>
    private static string[]? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        return text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
