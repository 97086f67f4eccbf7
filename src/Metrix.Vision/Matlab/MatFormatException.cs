namespace Metrix.Vision.Matlab;

/// <summary>A MAT-file that is not a MATLAB v5 file or is truncated or corrupt; the message names the file and where.</summary>
public sealed class MatFormatException : Exception
{
    /// <summary>An error reading <paramref name="file"/>: <paramref name="reason"/>.</summary>
    public MatFormatException(string file, string reason, Exception? inner = null)
        : base($"cannot read MAT-file '{file}': {reason}", inner)
    {
        File = file;
    }

    /// <summary>The file that failed.</summary>
    public string File { get; }
}
