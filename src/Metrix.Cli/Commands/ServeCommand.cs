using System.CommandLine;
using Metrix.Search;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix serve</c>: an HTTP search service over an index (see <see cref="SearchServer"/>): upload an image,
/// get its nearest gallery images; a page at <c>/</c> shows them as thumbnails. Runs until Ctrl+C.
/// </summary>
public sealed class ServeCommand : Command
{
    private readonly Option<string> _index = Flags.RequiredText("index", "Index directory written by metrix index build");
    private readonly Option<string?> _checkpoint = Flags.OptionalText("checkpoint", "The index's checkpoint (default: the path its manifest records); another checkpoint is refused");
    private readonly Option<int> _port = Flags.Int("port", "TCP port (0: any free port)", 8080);
    private readonly Option<string> _host = Flags.Text("host", "IP address to listen on", "127.0.0.1");
    private readonly Option<int> _maxUpload = Flags.Int("max_upload_mb", "Largest image upload in MB", 8);
    private readonly Option<int> _maxConcurrent = Flags.Int("max_concurrent", "Searches at once (as many more wait; beyond that: 503)", 4);
    private readonly Option<int> _threads = Flags.Int("threads", "Compute threads (0 = all cores)", 0);

    /// <summary>The command.</summary>
    public ServeCommand()
        : base("serve", "Serve an index over HTTP: POST /search with image bytes, a page at / to drop images on.")
    {
        foreach (var option in new Option[] { _index, _checkpoint, _port, _host, _maxUpload, _maxConcurrent, _threads }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        CheckpointFlag.SetThreads(parse.GetValue(_threads));
        int port = parse.GetValue(_port), upload = parse.GetValue(_maxUpload), concurrent = parse.GetValue(_maxConcurrent);
        if (port is < 0 or > 65535) throw new UsageException($"--port: invalid value {port}; expected 0 to 65535");
        if (upload is < 1 or > 1024) throw new UsageException($"--max_upload_mb: invalid value {upload}; expected 1 to 1024");
        if (concurrent is < 1 or > 1024) throw new UsageException($"--max_concurrent: invalid value {concurrent}; expected 1 to 1024");
        string dir = parse.GetValue(_index)!;
        using var index = ImageIndex.Open(dir);
        var (model, _) = IndexSupport.Checkpoint(index.Manifest, dir, parse.GetValue(_checkpoint));
        var options = new ServeOptions(parse.GetValue(_host)!, port, (long)upload << 20, concurrent);
        return Run(index, model, options, context).GetAwaiter().GetResult();
    }

    private static async Task<int> Run(ImageIndex index, EmbeddingModel model, ServeOptions options, CommandContext context)
    {
        await using var server = await SearchServer.StartAsync(index, model, options).ConfigureAwait(false);
        context.Error.WriteLine($"serving {index.Count} images of {index.Directory} at {server.Address} (Ctrl+C stops)");
        try
        {
            await server.WaitAsync(context.Cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        context.Error.WriteLine("stopped");
        return context.Cancellation.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Success;
    }
}
