using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Distributed;

namespace Metrix.Cli;

/// <summary>
/// <c>mpiexec -n N metrix bench comm</c>: the network the ranks exchange over, measured alone: the time of a sum
/// over all ranks (blocking, and started then waited for) and of a gather of a buffer of <c>--megabytes</c>, and
/// the bandwidth they reach, for the projection of data-parallel training (docs/performance.md). Every result is
/// checked against the sum it must be, so a wrong binding fails here rather than in a training run.
/// </summary>
public sealed class CommBenchCommand : Command
{
    private readonly Option<double> _megabytes = Flags.Double("megabytes", "Size of the buffer summed (float32), in MB (10^6 bytes)", 95);
    private readonly Option<int> _repeats = Flags.Int("repeats", "Timed repetitions of each operation (the median is reported)", 5);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object");

    /// <summary>The command.</summary>
    public CommBenchCommand()
        : base("comm", "Under mpiexec: time a sum and a gather over all ranks of a buffer the size of a model's gradients, and check them.")
    {
        foreach (var option in new Option[] { _megabytes, _repeats, _json }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    /// <summary>The value rank <paramref name="rank"/> puts at <paramref name="i"/>: small integers, so every sum is exact in float32.</summary>
    private static float Value(int rank, int i) => (rank + 1) * (1 + i % 7);

    private int Execute(ParseResult parse, CommandContext context)
    {
        double megabytes = parse.GetValue(_megabytes);
        int repeats = parse.GetValue(_repeats);
        if (!(megabytes > 0 && megabytes <= 2000)) throw new UsageException($"--megabytes: invalid value {megabytes}; expected a number in (0, 2000]");
        if (repeats is < 1 or > 1000) throw new UsageException($"--repeats: invalid value {repeats}; expected an integer from 1 to 1000");
        var group = context.Communicator;
        int n = Math.Max(1, (int)(megabytes * 1e6 / sizeof(float))), ranks = group.Size, rank = group.Rank;
        var data = new float[n];
        float rankSum = ranks * (ranks + 1) / 2f;

        void Fill()
        {
            for (int i = 0; i < n; i++) data[i] = Value(rank, i);
        }
        void CheckSum(string operation)
        {
            for (int i = 0; i < n; i++)
                if (data[i] != rankSum * (1 + i % 7))
                    throw new InvalidOperationException($"{operation}: element {i} is {data[i]} on rank {rank}, expected {rankSum * (1 + i % 7)}");
        }
        double Time(Action prepare, Action operation, Action check)
        {
            var times = new List<double>();
            for (int r = 0; r < repeats + 1; r++) // the first is a warm-up
            {
                prepare();
                group.Barrier();
                var clock = Stopwatch.StartNew();
                operation();
                double ms = clock.Elapsed.TotalMilliseconds;
                check();
                if (r > 0) times.Add(ms);
            }
            times.Sort();
            return times[times.Count / 2];
        }

        double blocking = Time(Fill, () => group.AllReduceSum(data), () => CheckSum("sum"));
        double started = Time(Fill, () =>
        {
            using var pending = group.BeginAllReduceSum(data);
            pending.Wait();
        }, () => CheckSum("started sum"));
        int share = Math.Max(1, n / ranks);
        var counts = Enumerable.Repeat(share, ranks).ToArray();
        var gathered = new float[share * ranks];
        double gather = Time(Fill, () => group.AllGather(data.AsSpan(0, share), gathered, counts), () =>
        {
            for (int r = 0; r < ranks; r++)
                for (int i = 0; i < share; i++)
                    if (gathered[r * share + i] != Value(r, i))
                        throw new InvalidOperationException($"gather: element {i} of rank {r} is {gathered[r * share + i]} on rank {rank}, expected {Value(r, i)}");
        });

        // A sum over N ranks moves 2 (N − 1) / N of the buffer in and out of each rank (reduce-scatter, then all-gather).
        double bytes = (double)n * sizeof(float), moved = ranks > 1 ? 2.0 * (ranks - 1) / ranks * bytes : 0;
        var report = new Dictionary<string, object>
        {
            ["benchmark"] = "comm", ["ranks"] = ranks, ["bytes"] = (long)bytes, ["repeats"] = repeats,
            ["allreduce_ms"] = Math.Round(blocking, 2), ["iallreduce_wait_ms"] = Math.Round(started, 2), ["allgather_ms"] = Math.Round(gather, 2),
            ["allreduce_bus_gbps"] = Math.Round(moved * 8 / (blocking / 1000) / 1e9, 2),
            ["mpi_library"] = MpiCommunicator.Library ?? "none (one process)",
        };
        context.Output.WriteLine(parse.GetValue(_json)
            ? JsonSerializer.Serialize(report)
            : string.Join("\n", report.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key,-22} {kv.Value}"))));
        return ExitCodes.Success;
    }
}
