using BenchmarkDotNet.Running;

namespace Metrix.Benchmarks;

/// <summary>Runs the kernel micro-benchmarks: <c>dotnet run -c Release --project bench/Metrix.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Hands the arguments to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
