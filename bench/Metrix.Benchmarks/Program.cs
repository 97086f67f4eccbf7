using BenchmarkDotNet.Running;

namespace Metrix.Benchmarks;

/// <summary>Runs the kernel micro-benchmarks: <c>dotnet run -c Release --project bench/Metrix.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>
    /// Hands the arguments to BenchmarkDotNet's switcher, in process unless told otherwise: no generated project is built
    /// per benchmark (on a busy two-core machine that build outlasts BenchmarkDotNet's two-minute timeout).
    /// </summary>
    public static void Main(string[] args)
    {
        bool toolchainGiven = args.Any(a => a is "--inProcess" or "-i" or "--runtimes" or "-r");
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(toolchainGiven ? args : [.. args, "--inProcess"]);
    }
}
