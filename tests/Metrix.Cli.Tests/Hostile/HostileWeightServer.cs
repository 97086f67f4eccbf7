using System.Net.Sockets;
using System.Text;
using Metrix.Testing;

namespace Metrix.Cli.Tests;

/// <summary>
/// An HTTP server on 127.0.0.1 that misbehaves as a hostile or broken weights server does, by the file asked
/// for: <c>endless-*</c> streams zeros without a length until the client leaves, <c>huge-*</c> announces
/// 10 GB, <c>stall-*</c> sends headers and a few bytes then nothing, <c>wrong-*</c> sends bytes of another
/// hash, <c>garbage-*</c> answers no HTTP; anything else is 404. Each connection is bounded by the client
/// closing it or the server being disposed.
/// </summary>
internal sealed class HostileWeightServer : LoopbackHttpServer
{
    /// <summary>The base URL to give the downloader.</summary>
    public string BaseUrl => Root;

    protected override async Task RespondAsync(string name, NetworkStream stream, CancellationToken cancel)
    {
        if (name.StartsWith("endless-", StringComparison.Ordinal))
        {
            await SendAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n", cancel);
            var zeros = new byte[64 << 10];
            while (!cancel.IsCancellationRequested) await stream.WriteAsync(zeros, cancel);
        }
        else if (name.StartsWith("huge-", StringComparison.Ordinal))
        {
            await SendAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n", cancel);
            await stream.WriteAsync(new byte[1024], cancel);
            await Task.Delay(TimeSpan.FromSeconds(30), cancel);
        }
        else if (name.StartsWith("stall-", StringComparison.Ordinal))
        {
            await SendAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n", cancel);
            await stream.WriteAsync(new byte[100], cancel);
            await Task.Delay(TimeSpan.FromSeconds(30), cancel);
        }
        else if (name.StartsWith("slow-", StringComparison.Ordinal))
        {
            await SendAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 900000\r\nConnection: close\r\n\r\n", cancel);
            for (int k = 0; k < 300 && !cancel.IsCancellationRequested; k++)
            {
                await stream.WriteAsync(new byte[1024], cancel);
                await Task.Delay(100, cancel);
            }
        }
        else if (name.StartsWith("wrong-", StringComparison.Ordinal))
        {
            var body = Encoding.ASCII.GetBytes("these are not the weights you are looking for");
            await SendAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n", cancel);
            await stream.WriteAsync(body, cancel);
        }
        else if (name.StartsWith("garbage-", StringComparison.Ordinal))
            await SendAsync(stream, "SMTP ready\r\n\r\n", cancel);
        else
            await SendAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", cancel);
    }
}
