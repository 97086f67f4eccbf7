using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Metrix.Nn.Tests;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (an ephemeral port) serving files under <c>/models/</c>, counting
/// requests per file; <see cref="Truncate"/> makes it announce the full length but close after half.
/// </summary>
internal sealed class LocalWeightServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LocalWeightServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>The base URL to give the downloader.</summary>
    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/models/";

    /// <summary>Whether responses stop halfway through the body.</summary>
    public bool Truncate { get; set; }

    /// <summary>Serves <paramref name="bytes"/> as <c>/models/{name}</c>.</summary>
    public void Add(string name, byte[] bytes) => _files[name] = bytes;

    /// <summary>How many times <c>/models/{name}</c> was requested.</summary>
    public int Requests(string name) => _requests.GetValueOrDefault(name);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && request.Length < 16384)
            {
                int n = await stream.ReadAsync(buffer);
                if (n == 0) return;
                request.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            var target = request.ToString().Split(' ')[1];
            string name = Uri.UnescapeDataString(target.StartsWith("/models/", StringComparison.Ordinal) ? target["/models/".Length..] : target);
            _requests.AddOrUpdate(name, 1, (_, c) => c + 1);
            if (!_files.TryGetValue(name, out var body))
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                return;
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
            await stream.WriteAsync(Truncate ? body.AsMemory(0, body.Length / 2) : body);
            await stream.FlushAsync();
        }
    }
}
