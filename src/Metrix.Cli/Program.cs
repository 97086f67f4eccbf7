using System.CommandLine;

namespace Metrix.Cli;

/// <summary>Entry point of the <c>metrix</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen command.</summary>
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    /// <summary>The root command with every sub-command (one file per command under Commands/).</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Metrix: deep metric learning with mixup, on a managed CPU engine.");
        return root;
    }
}
