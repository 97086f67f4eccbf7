using System.Collections.Concurrent;
using System.Net.Sockets;
using Metrix.Testing;

namespace Metrix.Nn.Tests;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 serving files under <c>/models/</c>, counting requests per file;
/// <see cref="Truncate"/> makes it announce the full length but close after half.
/// </summary>
internal sealed class LocalWeightServer : LoopbackHttpServer
{
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private readonly ConcurrentDictionary<string, int> _requests = new();

    /// <summary>The base URL to give the downloader.</summary>
    public string BaseUrl => Root + "models/";

    /// <summary>Whether responses stop halfway through the body.</summary>
    public bool Truncate { get; set; }

    /// <summary>Serves <paramref name="bytes"/> as <c>/models/{name}</c>.</summary>
    public void Add(string name, byte[] bytes) => _files[name] = bytes;

    /// <summary>How many times <c>/models/{name}</c> was requested.</summary>
    public int Requests(string name) => _requests.GetValueOrDefault(name);

    protected override async Task RespondAsync(string target, NetworkStream stream, CancellationToken cancel)
    {
        string name = target.StartsWith("models/", StringComparison.Ordinal) ? target["models/".Length..] : target;
        _requests.AddOrUpdate(name, 1, (_, c) => c + 1);
        if (!_files.TryGetValue(name, out var body))
        {
            await SendAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", cancel);
            return;
        }
        await SendAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n", cancel);
        await stream.WriteAsync(Truncate ? body.AsMemory(0, body.Length / 2) : body, cancel);
    }
}
