namespace Metrix.Nn;

/// <summary>How far a weights download has come.</summary>
/// <param name="FileName">The file being downloaded.</param>
/// <param name="BytesDone">Bytes received so far.</param>
/// <param name="TotalBytes">The size the server announced, when it did.</param>
public readonly record struct DownloadProgress(string FileName, long BytesDone, long? TotalBytes);
