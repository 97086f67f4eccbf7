namespace Metrix.Vision.Datasets;

/// <summary>One image of a split: where it is read from (a file path, or an archive entry) and its class label.</summary>
public sealed record ImageItem(string Path, int Label);
