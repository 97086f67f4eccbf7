using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Metrix.Search;

namespace Metrix.Cli.Tests;

/// <summary><c>metrix serve</c>'s service on 127.0.0.1 (port 0): every endpoint, bad uploads, the concurrency bound, the load test and the page in headless Chromium.</summary>
public sealed class SearchServerTests(SearchFixture fx) : IClassFixture<SearchFixture>, IAsyncLifetime
{
    private readonly SearchFixture _fx = fx;
    private ImageIndex _index = null!;
    private EmbeddingModel _model = null!;

    public Task InitializeAsync()
    {
        _index = ImageIndex.Open(_fx.CopyOfIndex());
        _model = CheckpointFlag.Load(_fx.Checkpoint);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _index.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EveryEndpointAnswersAndBadUploadsGetJsonErrorsWhileServingGoesOn()
    {
        await using var server = await SearchServer.StartAsync(_index, _model, new ServeOptions(Port: 0, MaxUploadBytes: 64 << 10));
        Assert.NotEqual(0, server.Port);
        Assert.Equal("127.0.0.1", server.Address.Host);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };

        using (var health = await Json(await http.GetAsync("health"), HttpStatusCode.OK))
            Assert.Equal(_fx.Images.Length, health.RootElement.GetProperty("count").GetInt32());
        string page = await http.GetStringAsync("");
        Assert.Contains("Metrix image search", page);

        int item = 3;
        var image = File.ReadAllBytes(_index.Items[item].Path);
        using (var result = await Json(await http.PostAsync("search?k=4", new ByteArrayContent(image)), HttpStatusCode.OK))
        {
            var hits = result.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(4, hits.Count);
            Assert.Equal(item, hits[0].GetProperty("id").GetInt64());
            Assert.Equal(_index.Items[item].Path, hits[0].GetProperty("path").GetString());
            Assert.Equal(_index.Items[item].Label, hits[0].GetProperty("label").GetInt32());
            Assert.Equal(1.0, hits[0].GetProperty("similarity").GetDouble(), 4);
        }
        using (var served = await http.GetAsync($"items/{item}/image"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
            Assert.Equal(image, await served.Content.ReadAsByteArrayAsync());
        }
        (await Json(await http.GetAsync($"items/{_index.Count}/image"), HttpStatusCode.NotFound)).Dispose();
        (await Json(await http.GetAsync("items/x/image"), HttpStatusCode.NotFound)).Dispose();

        // Bad uploads: not an image, truncated, too large, empty; a bad k.
        await BadUpload(http, "search", new ByteArrayContent("not an image at all"u8.ToArray()), HttpStatusCode.UnsupportedMediaType);
        await BadUpload(http, "search", new ByteArrayContent(image[..(image.Length / 2)]), HttpStatusCode.UnsupportedMediaType);
        await BadUpload(http, "search", new ByteArrayContent(new byte[100 << 10]), HttpStatusCode.RequestEntityTooLarge);
        await BadUpload(http, "search", new StreamContent(new MemoryStream(new byte[100 << 10])), HttpStatusCode.RequestEntityTooLarge, chunked: true);
        await BadUpload(http, "search", new ByteArrayContent([]), HttpStatusCode.BadRequest);
        await BadUpload(http, "search?k=0", new ByteArrayContent(image), HttpStatusCode.BadRequest);
        await BadUpload(http, "search?exact=maybe", new ByteArrayContent(image), HttpStatusCode.BadRequest);

        // Still serving, with the same answers, exactly (exact=1), through the graph (exact=0) or as the index's plan says.
        foreach (var (query, exact) in new[] { ("exact=1", true), ("exact=0", false), ("exact=false", false), ("", _index.IsExact(SearchMethod.Default)) })
        {
            using var again = await Json(await http.PostAsync($"search?k=1&{query}", new ByteArrayContent(image)), HttpStatusCode.OK);
            Assert.Equal(item, again.RootElement.GetProperty("results")[0].GetProperty("id").GetInt64());
            Assert.Equal(exact, again.RootElement.GetProperty("exact").GetBoolean());
        }
    }

    [Fact]
    public async Task SearchesBeyondTheConcurrencyBoundGet503()
    {
        await using var server = await SearchServer.StartAsync(_index, _model, new ServeOptions(Port: 0, MaxConcurrent: 1));
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var image = File.ReadAllBytes(_index.Items[0].Path);
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => http.PostAsync("search?k=2", new ByteArrayContent(image))));
        var codes = responses.Select(r => r.StatusCode).ToList();
        Assert.All(codes, c => Assert.True(c is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, c.ToString()));
        Assert.Contains(HttpStatusCode.OK, codes);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, codes);
        var rejected = responses.First(r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Contains("too many", (await Json(rejected, HttpStatusCode.ServiceUnavailable)).RootElement.GetProperty("error").GetString());
        foreach (var r in responses) r.Dispose();
    }

    [Fact]
    public async Task TheLoadTestCompletesEveryRequestWithoutErrors()
    {
        var report = await ServeBenchCommand.Run(_index, _model, requests: 24, clients: 3, k: 5, CancellationToken.None);
        Assert.Equal(0L, report["errors"]);
        Assert.True((double)report["p99_ms"] >= (double)report["p50_ms"]);
    }

    [Fact]
    [Trait("Category", "Browser")]
    public async Task ThePageShowsKThumbnailsInHeadlessChromium()
    {
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), "Debian's chromium is needed (.ci/run installs it)");
        await using var server = await SearchServer.StartAsync(_index, _model, new ServeOptions(Port: 0));
        using var profile = new Metrix.Testing.TempDirectory("metrix-chromium-");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", $"--user-data-dir={profile.Path}", "--virtual-time-budget=20000", "--dump-dom",
            new Uri(server.Address, "?item=2&k=3").ToString(),
        })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var dom = process.StandardOutput.ReadToEndAsync();
        var log = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish in 120 s: " + await log);
        }
        string html = await dom;
        Assert.True(html.Contains("data-state=\"done\""), "page did not finish a search: " + html + await log);
        Assert.Equal(3, html.Split("class=\"thumb\"").Length - 1);
        Assert.Contains("src=\"items/2/image\"", html);
        Assert.Contains("1.0000", html);
    }

    private static async Task BadUpload(HttpClient http, string url, HttpContent content, HttpStatusCode expected, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (chunked) request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        using var json = await Json(response, expected);
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetString()));
    }

    private static async Task<JsonDocument> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body);
    }
}
