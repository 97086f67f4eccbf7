using System.Net;
using System.Reflection;
using Metrix.Search;
using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Metrix.Cli;

/// <summary>
/// The search service of <c>metrix serve</c> (ASP.NET Core minimal APIs on Kestrel): <c>POST /search</c> embeds
/// the uploaded image and returns its nearest gallery items, <c>GET /items/{id}/image</c> serves a gallery image,
/// <c>GET /health</c> describes the index and <c>GET /</c> is a page to drop an image on. Uploads are bounded in
/// size (413) and searches in concurrency (503); a bad upload gets a 4xx JSON message and changes nothing.
/// </summary>
internal sealed class SearchServer : IAsyncDisposable
{
    private const string PageResource = "Metrix.Cli.ServePage.html";

    private readonly WebApplication _app;
    private readonly ImageIndex _index;
    private readonly EmbeddingModel _model;
    private readonly SemaphoreSlim _embedding = new(1, 1);

    private SearchServer(WebApplication app, ImageIndex index, EmbeddingModel model)
    {
        _app = app;
        _index = index;
        _model = model;
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:8080/</c>.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Starts serving <paramref name="index"/> (embedding queries with <paramref name="model"/>) and returns once it listens.</summary>
    public static async Task<SearchServer> StartAsync(ImageIndex index, EmbeddingModel model, ServeOptions options)
    {
        var address = options.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(options.Host, out var ip) ? ip : throw new UsageException($"--host: '{options.Host}' is not an IP address");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(SearchServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes;
            k.Limits.MaxConcurrentConnections = 256;
            k.Listen(address, options.Port);
        });
        builder.Services.AddRateLimiter(r =>
        {
            r.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            r.OnRejected = (context, cancel) => new ValueTask(Error(context.HttpContext, 503, "too many searches at once; try again"));
            r.AddConcurrencyLimiter("search", c =>
            {
                c.PermitLimit = options.MaxConcurrent;
                c.QueueLimit = options.MaxConcurrent;
            });
        });
        var app = builder.Build();
        var server = new SearchServer(app, index, model);
        app.UseRateLimiter();
        app.MapGet("/", server.Page);
        app.MapGet("/health", server.Health);
        app.MapGet("/items/{id}/image", server.ItemImage);
        app.MapPost("/search", (HttpContext http) => server.Search(http, options)).RequireRateLimiting("search");
        await app.StartAsync().ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        server.Port = server.Address.Port;
        return server;
    }

    /// <summary>Runs until <paramref name="cancel"/> is cancelled.</summary>
    public Task WaitAsync(CancellationToken cancel) => Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(_app, cancel);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _embedding.Dispose();
    }

    private async Task Page(HttpContext http)
    {
        await using var page = Assembly.GetExecutingAssembly().GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"resource {PageResource} is missing");
        http.Response.ContentType = "text/html; charset=utf-8";
        await page.CopyToAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
    }

    private Task Health(HttpContext http) => http.Response.WriteAsJsonAsync(new
    {
        status = "ok",
        count = _index.Count,
        dim = _index.Dim,
        checkpoint = Path.GetFileName(_index.Manifest.Checkpoint.Path),
        checkpoint_sha256 = _index.Manifest.Checkpoint.Sha256,
        model = _index.Manifest.Checkpoint.Metadata.GetValueOrDefault("model"),
        image_size = _index.Manifest.Preprocessing.ImageSize,
    });

    private async Task ItemImage(HttpContext http)
    {
        if (!long.TryParse(http.Request.RouteValues["id"] as string, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id)
            || id >= _index.Count)
        {
            await Error(http, 404, $"no item '{http.Request.RouteValues["id"]}'; ids run from 0 to {_index.Count - 1}").ConfigureAwait(false);
            return;
        }
        string path = _index.Items[(int)id].Path;
        if (!File.Exists(path))
        {
            await Error(http, 404, $"item {id}: its image file is gone").ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            _ => "application/octet-stream",
        };
        http.Response.Headers.CacheControl = "max-age=3600";
        await http.Response.SendFileAsync(path, http.RequestAborted).ConfigureAwait(false);
    }

    private async Task Search(HttpContext http, ServeOptions options)
    {
        int k = 10;
        if (http.Request.Query.TryGetValue("k", out var kText)
            && (!int.TryParse(kText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out k) || k < 1 || k > options.MaxK))
        {
            await Error(http, 400, $"k: '{kText}' is not a count from 1 to {options.MaxK}").ConfigureAwait(false);
            return;
        }
        // exact=1 searches exactly, exact=0 through the graph, absent as the index's plan says (metrix index info).
        var method = SearchMethod.Default;
        if (http.Request.Query.TryGetValue("exact", out var exactText))
        {
            switch (exactText.ToString())
            {
                case "1" or "true": method = SearchMethod.Exact; break;
                case "0" or "false": method = SearchMethod.Graph; break;
                default:
                    await Error(http, 400, $"exact: '{exactText}' is not one of 1, true, 0, false").ConfigureAwait(false);
                    return;
            }
        }
        bool exact = _index.IsExact(method);
        // Kestrel's own limit would abort the read mid-upload and close the connection under the client, which
        // may then never see the 413. Instead read up to the limit, and past it drain up to as much again before
        // answering 413, so moderately oversized uploads get their JSON message; larger ones are cut off.
        var sizeFeature = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = 2 * options.MaxUploadBytes;
        if (http.Request.ContentLength > 2 * options.MaxUploadBytes)
        {
            await Error(http, 413, $"upload of {http.Request.ContentLength} bytes; the limit is {options.MaxUploadBytes}").ConfigureAwait(false);
            return;
        }
        byte[] bytes;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            long total = 0;
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total <= options.MaxUploadBytes) buffer.Write(chunk, 0, read);
            }
            if (total > options.MaxUploadBytes)
            {
                await Error(http, 413, $"upload of {total} bytes; the limit is {options.MaxUploadBytes}").ConfigureAwait(false);
                return;
            }
            bytes = buffer.ToArray();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            await Error(http, e.StatusCode, $"bad upload: {e.Message}").ConfigureAwait(false);
            return;
        }
        if (bytes.Length == 0)
        {
            await Error(http, 400, "empty upload: send the image file's bytes as the request body").ConfigureAwait(false);
            return;
        }
        try
        {
            ImageDecoder.Decode(bytes, "upload");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await Error(http, 415, $"not a readable PNG or JPEG image: {e.Message}").ConfigureAwait(false);
            return;
        }
        float[] query;
        await _embedding.WaitAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            var set = new ImageSet("upload", [new ImageItem("upload", -1)], _ => bytes);
            query = IndexSupport.Embed(_model, set, 1, 1, new CommandContext(TextWriter.Null, TextWriter.Null, false, http.RequestAborted));
        }
        finally
        {
            _embedding.Release();
        }
        var hits = _index.Search(query, k, method);
        await http.Response.WriteAsJsonAsync(new
        {
            k,
            exact,
            results = hits.Select(h => new
            {
                id = h.Item.Id,
                path = h.Item.Path,
                label = h.Item.Label,
                similarity = Math.Round(h.Similarity, 6),
            }),
        }, http.RequestAborted).ConfigureAwait(false);
    }

    private static Task Error(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { error = message, status });
    }
}
