using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Metrix.Nn;

/// <summary>
/// Fetches a weights file once into a cache directory, as <c>torch.hub</c> does for torchvision: a file
/// already in our cache or in PyTorch's (<c>$TORCH_HOME/hub/checkpoints</c>) is used as it is; otherwise it
/// is downloaded from <c>&lt;base URL&gt;/&lt;file&gt;</c> into a temporary file beside its final place and renamed
/// only once complete and verified. Verification follows torchvision's naming convention: the hex digits
/// after the last '-' of the file name (at least 8) are the start of the file's SHA-256.
/// </summary>
public sealed partial class WeightDownloader
{
    private const int BufferBytes = 1 << 20;
    private readonly PretrainedOptions _options;

    /// <summary>Creates a downloader; <paramref name="options"/> null uses the environment's defaults.</summary>
    public WeightDownloader(PretrainedOptions? options = null) => _options = options ?? new PretrainedOptions();

    /// <summary>The SHA-256 prefix a file name carries (<c>resnet50-0676ba61.pth</c> → <c>0676ba61</c>).</summary>
    /// <exception cref="ArgumentException">The name has no such prefix.</exception>
    public static string HashPrefix(string fileName)
    {
        var m = HashPattern().Match(fileName);
        return m.Success ? m.Groups[1].Value
            : throw new ArgumentException($"weights file name '{fileName}' carries no SHA-256 prefix: expected '<name>-<8 or more hex digits>.<extension>', as torchvision names its files");
    }

    /// <summary>
    /// The local path of <paramref name="fileName"/>, downloading it first if no cache holds a verified copy.
    /// <paramref name="log"/> receives one line per decision; <paramref name="progress"/> the bytes received.
    /// </summary>
    /// <exception cref="WeightDownloadException">The download failed; the message names the URL and where to put the file by hand.</exception>
    /// <exception cref="InvalidDataException">The downloaded bytes do not match the hash prefix (nothing is kept).</exception>
    public string Fetch(string fileName, Action<string>? log = null, IProgress<DownloadProgress>? progress = null, CancellationToken cancellation = default) =>
        FetchAsync(fileName, log, progress, cancellation).GetAwaiter().GetResult();

    /// <inheritdoc cref="Fetch"/>
    public async Task<string> FetchAsync(string fileName, Action<string>? log = null, IProgress<DownloadProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (fileName.Length == 0 || Path.GetFileName(fileName) != fileName || fileName.StartsWith('.'))
            throw new ArgumentException($"'{fileName}' is not a plain file name");
        string prefix = HashPrefix(fileName);
        string cacheDirectory = _options.ResolveCacheDirectory();
        string cached = Path.Combine(cacheDirectory, fileName);
        string torchCached = Path.Combine(_options.ResolveTorchCheckpoints(), fileName);
        if (File.Exists(cached))
        {
            if (Sha256(cached).StartsWith(prefix, StringComparison.Ordinal))
            {
                log?.Invoke($"pretrained weights: using the cached {cached}");
                return cached;
            }
            log?.Invoke($"pretrained weights: {cached} does not match its hash prefix {prefix}; downloading it again");
        }
        if (File.Exists(torchCached))
        {
            if (Sha256(torchCached).StartsWith(prefix, StringComparison.Ordinal))
            {
                log?.Invoke($"pretrained weights: using PyTorch's cached {torchCached}");
                return torchCached;
            }
            log?.Invoke($"pretrained weights: ignoring {torchCached}: it does not match its hash prefix {prefix}");
        }
        var url = new Uri(_options.ResolveBaseUrl().TrimEnd('/') + "/" + Uri.EscapeDataString(fileName));
        RemoveOrphanedParts(cacheDirectory, fileName);
        log?.Invoke($"pretrained weights: downloading {url} to {cached}");
        await DownloadAsync(url, cached, torchCached, prefix, progress, cancellation).ConfigureAwait(false);
        return cached;
    }

    private async Task DownloadAsync(Uri url, string destination, string torchCached, string prefix, IProgress<DownloadProgress>? progress, CancellationToken cancellation)
    {
        string fileName = Path.GetFileName(destination);
        string directory = Path.GetDirectoryName(destination)!;
        string temporary = Path.Combine(directory, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.part");
        WeightDownloadException Failure(string reason, Exception? inner = null) => new(
            $"could not download {url} ({reason}), and no cache holds {fileName}. "
            + $"Download it where there is network and put it at {destination} (or {torchCached}); "
            + $"or set {PretrainedOptions.BaseUrlVariable} to a server or file:// directory that has it; "
            + "or pass the file's path instead of 'imagenet' (--pretrained PATH).", inner);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        try
        {
            Directory.CreateDirectory(directory);
            timeout.CancelAfter(_options.Timeout);
            using var source = await OpenAsync(url, timeout.Token, Failure).ConfigureAwait(false);
            if (source.Length > _options.MaxBytes)
                throw Failure($"the server announces {source.Length} bytes, more than the {_options.MaxBytes} accepted");
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long done = 0;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes, useAsync: true))
            {
                var buffer = new byte[BufferBytes];
                progress?.Report(new DownloadProgress(fileName, 0, source.Length));
                while (true)
                {
                    timeout.CancelAfter(_options.Timeout);
                    int n = await source.Body.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), timeout.Token).ConfigureAwait(false);
                    done += n;
                    if (done > _options.MaxBytes) throw Failure($"the server sent more than the {_options.MaxBytes} bytes accepted");
                    progress?.Report(new DownloadProgress(fileName, done, source.Length));
                }
                if (source.Length is long total && done != total) throw Failure($"the transfer stopped after {done} of {total} bytes");
                file.Flush(flushToDisk: true);
            }
            string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!actual.StartsWith(prefix, StringComparison.Ordinal))
                throw new InvalidDataException($"{url}: the downloaded file's SHA-256 is {actual}, but its name says it starts with {prefix}; "
                    + "the file was not kept (a damaged transfer, or the server sent another file)");
            File.Move(temporary, destination, overwrite: true);
        }
        catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw Failure($"no data for {_options.Timeout.TotalSeconds:0} s", e);
        }
        catch (HttpRequestException e)
        {
            throw Failure(e.Message, e);
        }
        catch (IOException e) when (e is not WeightDownloadException)
        {
            throw Failure(e.Message, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw Failure(e.Message, e);
        }
        finally
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The body of <paramref name="url"/> and its announced length: an HTTP(S) GET or a local file.</summary>
    private async Task<Source> OpenAsync(Uri url, CancellationToken cancellation, Func<string, Exception?, WeightDownloadException> failure)
    {
        if (url.IsFile)
        {
            if (!File.Exists(url.LocalPath)) throw failure($"{url.LocalPath} does not exist", null);
            // A FIFO or a device (a link to /dev/zero) would block or never end: only regular files with bytes are read.
            var info = new FileInfo(url.LocalPath);
            if ((info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true)) is not FileInfo { Exists: true, Length: > 0 })
                throw failure($"{url.LocalPath} is not a regular, non-empty file", null);
            var stream = new FileStream(url.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, useAsync: true);
            return new Source(stream, stream.Length, null, null);
        }
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"{PretrainedOptions.BaseUrlVariable}: unsupported URL scheme '{url.Scheme}'; accepted: http, https, file");
        var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = _options.Timeout }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        HttpResponseMessage? response = null;
        try
        {
            response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw failure($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null);
            var body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            return new Source(body, response.Content.Headers.ContentLength, response, client);
        }
        catch
        {
            response?.Dispose();
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Deletes <c>.FILE.PID.ID.part</c> files of <paramref name="fileName"/> whose process is gone: a download
    /// killed outright (not by Ctrl+C, which removes its own) leaves one behind.
    /// </summary>
    private static void RemoveOrphanedParts(string directory, string fileName)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var part in Directory.EnumerateFiles(directory, $".{fileName}.*.part"))
        {
            var fields = Path.GetFileName(part)[(fileName.Length + 2)..].Split('.');
            if (fields.Length != 3 || !int.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out int pid) || IsRunning(pid)) continue;
            try { File.Delete(part); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    [GeneratedRegex(@"-([0-9a-f]{8,})\.[^-]*$")]
    private static partial Regex HashPattern();

    /// <summary>An open download: the body, its announced length, and what must be disposed with it.</summary>
    private sealed class Source(Stream body, long? length, IDisposable? response, IDisposable? client) : IDisposable
    {
        public Stream Body { get; } = body;

        public long? Length { get; } = length;

        public void Dispose()
        {
            Body.Dispose();
            response?.Dispose();
            client?.Dispose();
        }
    }
}
