namespace Metrix.Vision.Datasets;

/// <summary>
/// A dataset that is missing or malformed on disk: the message names the path looked at, the layout
/// expected there and, for a missing dataset, where to get it.
/// </summary>
public sealed class DatasetException(string message, Exception? inner = null) : Exception(message, inner);
