using System.Globalization;
using Metrix.Nn;

namespace Metrix.Training;

/// <summary><c>--pretrained</c> for the trainer: <see cref="PretrainedWeights"/> with its messages sent to the observer and bad values reported against the flag.</summary>
public static class PretrainedLoader
{
    /// <summary>
    /// Loads <paramref name="spec"/> (none, imagenet or a path) into <paramref name="model"/>; lines go to
    /// <paramref name="log"/>; <paramref name="cancellation"/> (Ctrl+C) stops a download.
    /// </summary>
    public static void Load(EmbeddingNet model, string spec, string modelName, Action<string> log, CancellationToken cancellation = default)
    {
        int lastDecile = -1;
        var progress = new Progress(p =>
        {
            if (p.TotalBytes is not > 0) return;
            int decile = (int)(p.BytesDone * 10 / p.TotalBytes.Value);
            if (decile == lastDecile) return;
            lastDecile = decile;
            log(string.Create(CultureInfo.InvariantCulture, $"downloading {p.FileName}: {p.BytesDone / 1e6:F1} of {p.TotalBytes.Value / 1e6:F1} MB"));
        });
        try
        {
            PretrainedWeights.LoadInto(model, spec, modelName, log, progress, cancellation: cancellation);
        }
        catch (ArgumentException e)
        {
            throw new OptionException("pretrained", $"--pretrained: {e.Message}");
        }
    }

    /// <summary>Synchronous progress (System.Progress would post to the thread pool and reorder lines).</summary>
    private sealed class Progress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
