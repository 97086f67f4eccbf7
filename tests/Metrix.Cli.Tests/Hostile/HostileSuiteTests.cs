using System.Diagnostics;
using Xunit.Abstractions;

namespace Metrix.Cli.Tests;

/// <summary>
/// Issue 13's hostile-input suite: every input <see cref="HostileInputs"/> generates runs under a time cap and
/// an allocation cap, and must end with an accepted exit code, a one-line message naming the file (when it
/// fails), no stack trace, no runtime message, and nothing lost. The totals are printed (docs/reliability.md
/// records them). Not run in parallel with other tests, so the allocation counter measures the input alone.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class HostileSuiteTests(ITestOutputHelper output)
{
    /// <summary>Seconds an input may take before it counts as a hang.</summary>
    internal const int TimeCapSeconds = 20;

    /// <summary>Bytes an input may allocate (all threads) before it counts as a crash.</summary>
    internal const long MemoryCapBytes = 768L << 20;

    /// <summary>Messages of the runtime that must never reach the user.</summary>
    internal static readonly string[] RuntimeMessages =
    [
        "Arithmetic operation resulted in an overflow", "cannot be converted to", "Attempted to divide by zero",
        "Object reference not set", "Index was outside the bounds", "Unable to cast object", "Specified argument was out of the range",
        "The given key", "Exception of type",
    ];

    [Fact]
    public void Every_hostile_input_ends_in_time_with_a_message_naming_its_file_and_nothing_lost()
    {
        using var dir = new Testing.TempDirectory("metrix-hostile-");
        using var server = new HostileWeightServer();
        var cases = HostileInputs.All(dir.Path, server.BaseUrl);
        var totals = new HostileTotals();
        var problems = new List<string>();
        foreach (var c in cases)
        {
            var clock = Stopwatch.StartNew();
            var outcome = Run(c);
            if (clock.Elapsed.TotalSeconds > 1) output.WriteLine($"[{c.Class}] {c.Name}: {clock.Elapsed.TotalSeconds:F1} s");
            totals.Add(c.Class, outcome);
            if (outcome.Problem is { } p) problems.Add($"[{c.Class}] {c.Name}: {p}");
        }
        output.WriteLine(totals.Format());
        Console.WriteLine(totals.Format());
        Assert.True(cases.Count >= 300, $"only {cases.Count} inputs");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>How one input ended.</summary>
    internal sealed record Outcome(bool Hang, bool Crash, bool Lost, string? Problem);

    /// <summary>Runs <paramref name="c"/> on a thread of its own, under the caps.</summary>
    internal static Outcome Run(HostileCase c)
    {
        var error = new StringWriter();
        var stdout = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        if (c.CancelAfterMs is { } ms) interrupt.CancelAfter(ms);
        var context = new CommandContext(stdout, error, Verbose: false, interrupt.Token);
        int code = -1;
        Exception? escaped = null;
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var thread = new Thread(() =>
        {
            try
            {
                code = CommandRunner.Guard(context, () => c.Run(context));
            }
            catch (Exception e)
            {
                escaped = e;
            }
        }, 16 << 20)
        { IsBackground = true };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(TimeCapSeconds)))
            return new Outcome(true, false, false, $"still running after {TimeCapSeconds} s");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        string text = error.ToString();
        if (escaped is not null) return new Outcome(false, true, false, $"{escaped.GetType().Name} escaped: {escaped.Message}");
        if (allocated > MemoryCapBytes) return new Outcome(false, true, false, $"allocated {allocated >> 20} MiB, more than {MemoryCapBytes >> 20} MiB");
        if (!c.Exits.Contains(code)) return new Outcome(false, true, false, $"exit {code}, expected {string.Join(" or ", c.Exits)}: {text.Trim()}");
        if (text.Contains("   at ", StringComparison.Ordinal)) return new Outcome(false, true, false, "a stack trace reached the user: " + text);
        if (RuntimeMessages.FirstOrDefault(m => text.Contains(m, StringComparison.Ordinal)) is { } raw)
            return new Outcome(false, true, false, $"a runtime message ('{raw}') reached the user: {text.Trim()}");
        if (text.Contains("unexpected ", StringComparison.Ordinal) && text.Contains("report the output", StringComparison.Ordinal))
            return new Outcome(false, true, false, "an unchecked runtime exception: " + text.Trim());
        if (code == ExitCodes.Interrupted && !text.StartsWith("interrupted", StringComparison.Ordinal))
            return new Outcome(false, true, false, "exit 130 without 'interrupted': " + text.Trim());
        if (code == ExitCodes.Failure)
        {
            var errorLine = text.Split('\n').FirstOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal));
            if (errorLine is null) return new Outcome(false, true, false, "failed without an 'error:' line: " + text.Trim());
            string name = Path.GetFileName(c.File.TrimEnd('/'));
            if (!errorLine.Contains(name, StringComparison.Ordinal)) return new Outcome(false, true, false, $"the message does not name {name}: {errorLine}");
        }
        if (c.Lost?.Invoke() is { } lost) return new Outcome(false, false, true, lost);
        return new Outcome(false, false, false, null);
    }
}
