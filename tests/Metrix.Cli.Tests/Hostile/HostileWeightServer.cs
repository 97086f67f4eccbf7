using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Metrix.Cli.Tests;

/// <summary>
/// An HTTP server on 127.0.0.1 that misbehaves as a hostile or broken weights server does, by the file asked
/// for: <c>endless-*</c> streams zeros without a length until the client leaves, <c>huge-*</c> announces
/// 10 GB, <c>stall-*</c> sends headers and a few bytes then nothing, <c>wrong-*</c> sends bytes of another
/// hash, <c>garbage-*</c> answers no HTTP; anything else is 404. Connections are served one at a time, each
/// bounded by the client closing it or the server being disposed.
/// </summary>
internal sealed class HostileWeightServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public HostileWeightServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>The base URL to give the downloader.</summary>
    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

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
            _ = Task.Run(async () =>
            {
                try { await ServeAsync(client); }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
                finally { client.Dispose(); }
            });
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && request.Length < 16384)
        {
            int n = await stream.ReadAsync(buffer, _stop.Token);
            if (n == 0) return;
            request.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        string name = request.ToString().Split(' ')[1].TrimStart('/');
        var token = _stop.Token;
        async Task Send(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text), token);
        if (name.StartsWith("endless-", StringComparison.Ordinal))
        {
            await Send("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
            var zeros = new byte[64 << 10];
            while (!token.IsCancellationRequested) await stream.WriteAsync(zeros, token);
        }
        else if (name.StartsWith("huge-", StringComparison.Ordinal))
        {
            await Send("HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(new byte[1024], token);
            await Task.Delay(TimeSpan.FromSeconds(30), token);
        }
        else if (name.StartsWith("stall-", StringComparison.Ordinal))
        {
            await Send("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(new byte[100], token);
            await Task.Delay(TimeSpan.FromSeconds(30), token);
        }
        else if (name.StartsWith("slow-", StringComparison.Ordinal))
        {
            await Send("HTTP/1.1 200 OK\r\nContent-Length: 900000\r\nConnection: close\r\n\r\n");
            for (int k = 0; k < 300 && !token.IsCancellationRequested; k++)
            {
                await stream.WriteAsync(new byte[1024], token);
                await Task.Delay(100, token);
            }
        }
        else if (name.StartsWith("wrong-", StringComparison.Ordinal))
        {
            var body = Encoding.ASCII.GetBytes("these are not the weights you are looking for");
            await Send($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(body, token);
        }
        else if (name.StartsWith("garbage-", StringComparison.Ordinal))
            await Send("SMTP ready\r\n\r\n");
        else
            await Send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        await stream.FlushAsync(token);
    }
}
