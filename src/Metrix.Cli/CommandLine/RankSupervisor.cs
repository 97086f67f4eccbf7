using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Metrix.Distributed;

namespace Metrix.Cli;

/// <summary>
/// Names the rank whose process is killed. A process killed outright (SIGKILL, the kernel's out-of-memory killer)
/// cannot say so, MPICH's launcher then kills the other ranks with SIGKILL too, and its report names a process that
/// need not be the dead one. So under a launcher (on Linux) each rank is two processes: the one the launcher started
/// becomes this small supervisor, which never loads MPI and starts the same command again as its worker, with
/// <see cref="WorkerVariable"/> set and the standard streams and the launcher's connection (PMI_FD) inherited. The
/// worker joins the job and does the work; when it ends by a signal, the supervisor writes one line naming the rank,
/// the worker's process id, the machine and the signal, and exits with the worker's code, which ends the job.
/// The worker dies with its supervisor (PR_SET_PDEATHSIG), so a launcher that kills only the supervisor leaves
/// nothing running, and the supervisor passes Ctrl+C and SIGTERM on to the worker.
/// </summary>
public static class RankSupervisor
{
    /// <summary>Set in a worker's environment to its supervisor's process id.</summary>
    public const string WorkerVariable = "METRIX_RANK_WORKER";

    private const int PrSetPdeathsig = 1; // PR_SET_PDEATHSIG, linux/prctl.h
    private const int SigKill = 9;

    /// <summary>
    /// Whether this process should supervise a worker: started by an MPI launcher, on Linux (the worker's tie to
    /// its supervisor is Linux's), and not itself a worker. <paramref name="environment"/> defaults to this process's.
    /// </summary>
    public static bool Applies(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return OperatingSystem.IsLinux() && Communicator.UnderLauncher(environment) && string.IsNullOrEmpty(environment(WorkerVariable));
    }

    /// <summary>
    /// Starts the worker (this executable with this process's own arguments, from /proc/self/cmdline, so that
    /// <c>dotnet metrix.dll …</c> and an installed <c>metrix …</c> both start again as they were started), forwards
    /// SIGINT, SIGTERM and SIGHUP to it, waits for it and returns its exit code, after one line on standard error if
    /// a signal ended it. Must run on the main thread: the worker's death signal is tied to the thread that started it.
    /// </summary>
    public static int Run()
    {
        int child = 0;
        void Forward(PosixSignalContext context)
        {
            context.Cancel = true;
            int pid = Volatile.Read(ref child);
            if (pid > 0) _ = Kill(pid, SignalNumber(context.Signal));
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Forward);

        Process worker;
        try
        {
            var info = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("this process's executable is unknown"))
            {
                UseShellExecute = false,
            };
            foreach (string arg in OwnArguments()) info.ArgumentList.Add(arg);
            info.Environment[WorkerVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            worker = Process.Start(info) ?? throw new InvalidOperationException("the process did not start");
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: rank {RankText(Environment.GetEnvironmentVariable)}: could not start its worker process: {e.Message}");
            return ExitCodes.Failure;
        }
        using (worker)
        {
            Volatile.Write(ref child, worker.Id);
            worker.WaitForExit();
            int code = worker.ExitCode;
            string? message = DeathMessage(code, Environment.GetEnvironmentVariable, worker.Id, System.Net.Dns.GetHostName());
            if (message is not null)
            {
                Console.Error.WriteLine(message);
                Console.Error.Flush();
            }
            return code;
        }
    }

    /// <summary>
    /// In a worker (<see cref="WorkerVariable"/> set), asks Linux to kill this process when its supervisor dies, and
    /// exits at once if the supervisor is already gone (it died before the request took effect). Does nothing elsewhere.
    /// </summary>
    public static void BindToSupervisor()
    {
        string? supervisor = Environment.GetEnvironmentVariable(WorkerVariable);
        if (string.IsNullOrEmpty(supervisor) || !OperatingSystem.IsLinux()) return;
        if (Prctl(PrSetPdeathsig, SigKill, 0, 0, 0) != 0)
            Console.Error.WriteLine($"warning: this rank's worker could not be tied to its supervisor (prctl errno {Marshal.GetLastPInvokeError()}); if the supervisor is killed, this process may be left running");
        if (!int.TryParse(supervisor, NumberStyles.None, CultureInfo.InvariantCulture, out int expected) || GetParentId() != expected)
        {
            Console.Error.WriteLine($"error: {WorkerVariable}={supervisor} but this process's parent is {GetParentId()}: its supervisor has ended (or the variable was set by hand; unset it)");
            Console.Error.Flush();
            Environment.Exit(ExitCodes.Failure);
        }
    }

    /// <summary>
    /// The line the supervisor writes when the worker <paramref name="workerId"/> ended with <paramref name="exitCode"/>,
    /// or null when that code is the worker's own. .NET reports a child ended by signal N as 128 + N; metrix itself
    /// exits with 0, 1, 2 or 130 (<see cref="ExitCodes"/>), so 128 + N is a signal except 130, which is also how a
    /// worker reports Ctrl+C (it has said "interrupted" itself).
    /// </summary>
    public static string? DeathMessage(int exitCode, Func<string, string?> environment, int workerId, string host)
    {
        int signal = exitCode - 128;
        if (signal is < 1 or > 64 || exitCode == ExitCodes.Interrupted) return null;
        string name = SignalName(signal);
        string why = signal switch
        {
            SigKill => "; the job ends. When the kernel's out-of-memory killer did it, `dmesg` or `journalctl -k` says so.",
            _ => "; the job ends",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"error: rank {RankText(environment)} (pid {workerId} on {host}) was killed by signal {signal}{(name.Length > 0 ? $" ({name})" : "")}{why}");
    }

    /// <summary>"R of N" from the launcher's variables (PMI_RANK/PMIX_RANK, PMI_SIZE), as much as they say.</summary>
    private static string RankText(Func<string, string?> environment)
    {
        string rank = environment("PMI_RANK") is { Length: > 0 } r ? r : environment("PMIX_RANK") is { Length: > 0 } x ? x : "?";
        return environment("PMI_SIZE") is { Length: > 0 } size ? $"{rank} of {size}" : rank;
    }

    /// <summary>Linux's name of signal <paramref name="signal"/> (x86-64 and arm64 numbering), or empty.</summary>
    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        _ => "",
    };

    /// <summary>The Linux number of a signal the supervisor forwards (<see cref="PosixSignal"/>'s values are not the numbers).</summary>
    private static int SignalNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        _ => 15,
    };

    /// <summary>This process's arguments after the executable, exactly as it was started (the host's own ones too).</summary>
    private static IEnumerable<string> OwnArguments()
    {
        string[] argv = File.ReadAllText("/proc/self/cmdline").Split('\0');
        // The text ends with a NUL, which leaves one empty entry at the end.
        return argv.Skip(1).Take(argv.Length - 2);
    }

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [DllImport("libc", EntryPoint = "getppid")]
    private static extern int GetParentId();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
