namespace Metrix.Training;

/// <summary>
/// The accepted ranges of the size settings. The upper bounds are far beyond any sensible run on a CPU and
/// stop a typing slip (<c>--image_size 224000</c>) before it creates a run directory or allocates gigabytes.
/// </summary>
public static class SettingLimits
{
    /// <summary>Smallest training crop side (ResNet reduces by 32).</summary>
    public const int MinImageSize = 32;

    /// <summary>Largest training crop side.</summary>
    public const int MaxImageSize = 1024;

    /// <summary>Largest batch.</summary>
    public const int MaxBatchSize = 4096;

    /// <summary>Widest embedding.</summary>
    public const int MaxEmbeddingSize = 8192;

    /// <summary>Most images of one class in a balanced batch.</summary>
    public const int MaxImagesPerClass = 1024;

    /// <summary>Most epochs, and the largest warm-up, StepLR step and evaluation interval in epochs.</summary>
    public const int MaxEpochs = 100_000;

    /// <summary>Most background loading threads.</summary>
    public const int MaxWorkers = 256;

    /// <summary>Most compute threads.</summary>
    public const int MaxThreads = 1024;

    /// <summary>Largest cap on steps per epoch.</summary>
    public const int MaxSteps = 10_000_000;

    /// <summary>Most validation classes.</summary>
    public const int MaxValClasses = 1_000_000;

    /// <summary>Most hard negatives per anchor.</summary>
    public const int MaxHardNegatives = 1024;
}
