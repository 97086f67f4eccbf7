namespace Metrix.Vision.Codecs;

/// <summary>
/// The one exception every decoder raises for input it cannot decode (truncated, corrupt, unsupported):
/// it names the file, so a bad image in a dataset of thousands can be found and removed.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>An error decoding <paramref name="file"/>: <paramref name="reason"/>.</summary>
    public ImageDecodeException(string file, string reason, Exception? inner = null)
        : base($"cannot decode image '{file}': {reason}", inner)
    {
        File = file;
        Reason = reason;
    }

    /// <summary>The file (path or archive entry) that failed.</summary>
    public string File { get; }

    /// <summary>What was wrong, without the file name.</summary>
    public string Reason { get; }
}
