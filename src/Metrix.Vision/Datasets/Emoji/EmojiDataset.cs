namespace Metrix.Vision.Datasets;

/// <summary>The embedded emoji dataset (placeholder until the archive lands).</summary>
public static class EmojiDataset
{
    /// <summary>Loads the embedded emoji splits.</summary>
    public static DatasetSplits Load() => throw new NotSupportedException("the emoji dataset is not built yet");
}
