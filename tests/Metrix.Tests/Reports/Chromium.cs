using System.Diagnostics;

namespace Metrix.Tests;

/// <summary>Headless Chromium (Debian's <c>chromium</c>) for page tests: a screenshot or the DOM after loading a local file.</summary>
internal static class Chromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>The browser on PATH; fails the test, saying how to install it, when there is none.</summary>
    public static string Executable()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in new[] { "chromium", "chromium-browser" })
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        Assert.Fail("chromium is not installed (no chromium on PATH): install it with `apt-get install -y chromium`, as .ci/run does (page tests carry the Browser category)");
        return "";
    }

    /// <summary>Screenshot of <paramref name="page"/> at <paramref name="width"/>×<paramref name="height"/> into <paramref name="png"/>.</summary>
    public static void Screenshot(string page, string png, int width, int height, string profile) =>
        Run(profile, [$"--screenshot={png}", $"--window-size={width},{height}", new Uri(page).AbsoluteUri]);

    /// <summary>The serialised DOM of <paramref name="page"/> after loading.</summary>
    public static string DumpDom(string page, string profile) => Run(profile, ["--dump-dom", new Uri(page).AbsoluteUri]);

    private static string Run(string profile, string[] arguments)
    {
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", $"--user-data-dir={profile}" }.Concat(arguments))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"chromium did not finish within {Timeout.TotalSeconds} s");
        }
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }
}
