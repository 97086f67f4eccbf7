using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Metrix.Testing;

/// <summary>
/// The shared part of the tests' HTTP servers: a listener on 127.0.0.1 (an ephemeral port), an accept loop
/// bounded by <see cref="MaxRequests"/> and by disposal, and the request line read within 16 KiB. A subclass
/// answers each request in <see cref="RespondAsync"/>; the connection closes after the answer.
/// </summary>
public abstract class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _accepted;

    /// <summary>Starts listening; at most <paramref name="maxRequests"/> connections are served.</summary>
    protected LoopbackHttpServer(int maxRequests = 1000)
    {
        MaxRequests = maxRequests;
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>How many connections the server accepts before it stops listening.</summary>
    public int MaxRequests { get; }

    /// <summary>The server's root, <c>http://127.0.0.1:PORT/</c>.</summary>
    public string Root => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    /// <summary>Answers the request for <paramref name="target"/> (the path, unescaped, without its leading slash).</summary>
    protected abstract Task RespondAsync(string target, NetworkStream stream, CancellationToken cancel);

    /// <summary>Writes <paramref name="text"/> as ASCII (status lines and headers).</summary>
    protected static async Task SendAsync(NetworkStream stream, string text, CancellationToken cancel) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancel);

    /// <summary>Stops listening and waits (at most 5 s) for the accept loop to end.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested && _accepted < MaxRequests)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _accepted++;
            var cancel = _stop.Token;
            _ = Task.Run(async () =>
            {
                try
                {
                    var stream = client.GetStream();
                    if (await ReadTargetAsync(stream, cancel) is { } target)
                    {
                        await RespondAsync(target, stream, cancel);
                        await stream.FlushAsync(cancel);
                    }
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
                finally { client.Dispose(); }
            });
        }
    }

    private static async Task<string?> ReadTargetAsync(NetworkStream stream, CancellationToken cancel)
    {
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            if (request.Length >= 16384) return null;
            int n = await stream.ReadAsync(buffer, cancel);
            if (n == 0) return null;
            request.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var parts = request.ToString().Split(' ');
        return parts.Length < 2 ? null : Uri.UnescapeDataString(parts[1].TrimStart('/'));
    }
}
