using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Metrix.Search;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix bench serve</c>: a bounded load test of <c>metrix serve</c> — starts the service on 127.0.0.1 (any
/// free port) over an index, sends a fixed number of <c>POST /search</c> requests with gallery images from a few
/// concurrent clients, and reports latency percentiles, throughput and the count of failed requests.
/// </summary>
public sealed class ServeBenchCommand : Command
{
    private readonly Option<string> _index = Flags.RequiredText("index", "Index directory written by metrix index build");
    private readonly Option<int> _requests = Flags.Int("requests", "Requests in all", 200);
    private readonly Option<int> _clients = Flags.Int("clients", "Concurrent clients", 4);
    private readonly Option<int> _k = Flags.Int("k", "Neighbours per search", 10);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);
    private readonly Option<bool> _json = Flags.Switch("json", "Print one JSON object");

    /// <summary>The command.</summary>
    public ServeBenchCommand()
        : base("serve", "Load-test metrix serve on 127.0.0.1: fixed request count, a few concurrent clients; p50/p99 latency and errors.")
    {
        foreach (var option in new Option[] { _index, _requests, _clients, _k, _threads, _json }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        int requests = parse.GetValue(_requests), clients = parse.GetValue(_clients), k = parse.GetValue(_k);
        if (requests is < 1 or > 1_000_000) throw new UsageException($"--requests: invalid value {requests}; expected 1 to 1000000");
        if (clients is < 1 or > 64) throw new UsageException($"--clients: invalid value {clients}; expected 1 to 64");
        string dir = parse.GetValue(_index)!;
        using var index = ImageIndex.Open(dir);
        var (model, _) = IndexSupport.Checkpoint(index.Manifest, dir, null);
        var report = Run(index, model, requests, clients, k, context.Cancellation).GetAwaiter().GetResult();
        context.Output.WriteLine(parse.GetValue(_json)
            ? JsonSerializer.Serialize(report)
            : string.Join("\n", report.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key,-16} {kv.Value}"))));
        return (long)report["errors"] == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>Runs the load test; the report holds <c>errors</c> (requests that did not return 200 with k results).</summary>
    internal static async Task<Dictionary<string, object>> Run(ImageIndex index, EmbeddingModel model, int requests, int clients, int k, CancellationToken cancel)
    {
        // The concurrency limit admits every client, so a rejection (503) would be an error of the service.
        await using var server = await SearchServer.StartAsync(index, model, new ServeOptions(Port: 0, MaxConcurrent: clients)).ConfigureAwait(false);
        var images = Enumerable.Range(0, Math.Min(index.Count, 64)).Select(i => File.ReadAllBytes(index.Items[i].Path)).ToArray();
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        int expected = Math.Min(k, index.Count);
        // Warm-up: one request outside the measurement (JIT, first embedding).
        using (var warm = await http.PostAsync($"search?k={k}", new ByteArrayContent(images[0]), cancel).ConfigureAwait(false)) warm.EnsureSuccessStatusCode();
        var latencies = new double[requests];
        long errors = 0;
        int next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    using var content = new ByteArrayContent(images[i % images.Length]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    using var response = await http.PostAsync($"search?k={k}", content, cancel).ConfigureAwait(false);
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false));
                    ok = response.IsSuccessStatusCode && body.RootElement.GetProperty("results").GetArrayLength() == expected;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (!ok) Interlocked.Increment(ref errors);
            }
        })).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double Percentile(double p) => latencies[Math.Min(requests - 1, (int)Math.Ceiling(p * requests) - 1)];
        return new Dictionary<string, object>
        {
            ["benchmark"] = "serve", ["index_count"] = index.Count, ["requests"] = requests, ["clients"] = clients, ["k"] = k,
            ["p50_ms"] = Math.Round(Percentile(0.50), 2), ["p99_ms"] = Math.Round(Percentile(0.99), 2), ["max_ms"] = Math.Round(latencies[^1], 2),
            ["requests_per_s"] = Math.Round(requests / seconds, 1), ["errors"] = errors, ["threads"] = Metrix.Tensors.Workers.Threads,
        };
    }
}
