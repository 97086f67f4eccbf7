namespace Metrix.Nn;

/// <summary>
/// Weights could not be fetched (no network, server error, interrupted transfer). The message names the
/// URL that failed and where to put the file by hand.
/// </summary>
public sealed class WeightDownloadException : IOException
{
    /// <summary>Creates the exception.</summary>
    public WeightDownloadException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Creates the exception with no message.</summary>
    public WeightDownloadException() { }

    /// <summary>Creates the exception with a message.</summary>
    public WeightDownloadException(string message) : base(message) { }
}
