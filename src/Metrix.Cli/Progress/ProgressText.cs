using System.Globalization;
using System.Text;
using Metrix.Training;

namespace Metrix.Cli;

/// <summary>The wording of training progress, shared by the live and the plain display.</summary>
public static class ProgressText
{
    /// <summary>One line with the settings that matter to a reader of the log.</summary>
    public static string Settings(TrainOptions o) => Invariant(
        $"train {o.DatasetName}: {o.ModelName}, D={o.EmbeddingSize}, {o.ImageSize}px, loss {o.LossName}, mode {o.ModeName}, batch {o.BatchSize}, {o.NumEpochs} epochs, lr {o.Lr}, {SettingChoices.Optimizer.NameOf(o.Optimizer)}, pretrained {o.Pretrained}, seed {o.Seed}");

    /// <summary><c>epoch 3/24  step 40/75  loss 0.4123  812 img/s  0:42 left</c>.</summary>
    public static string Step(int epoch, int epochs, int step, int steps, double loss, double imagesPerSecond, TimeSpan left) => Invariant(
        $"epoch {epoch + 1}/{epochs}  step {step}/{steps}  loss {loss:F4}  {imagesPerSecond:F0} img/s  {Duration(left)} left");

    /// <summary>The end-of-epoch line: losses, learning rate, time and Recall@K when evaluated.</summary>
    public static string Epoch(EpochRecord r, int epochs)
    {
        var line = new StringBuilder(Invariant($"epoch {r.Epoch + 1}/{epochs}  loss {r.Loss:F4} (clean {r.CleanLoss:F4}"));
        if (r.MixedLoss is { } mixed) line.Append(Invariant($", mixed {mixed:F4}"));
        line.Append(Invariant($")  lr {r.Lr:G3}  {r.Seconds:F0}s"));
        if (r.Recall is { } recall) line.Append("  ").Append(Recall(recall));
        return line.ToString();
    }

    /// <summary><c>R@1 61.20  R@2 72.05 …</c> in increasing K.</summary>
    public static string Recall(IReadOnlyDictionary<string, double> recall) =>
        string.Join("  ", Ks(recall).Select(k => Invariant($"R@{k} {recall[k]:F2}")));

    /// <summary>The keys of a Recall@K map in increasing K.</summary>
    public static IEnumerable<string> Ks(IReadOnlyDictionary<string, double> recall) =>
        recall.Keys.OrderBy(k => int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue);

    /// <summary>The closing lines: final and best Recall@K and where the run is.</summary>
    public static string Summary(TrainResult result)
    {
        var text = new StringBuilder();
        if (result.Log.LastOrDefault(r => r.Recall is not null) is { Recall: { } last } final)
            text.AppendLine(Invariant($"final (epoch {final.Epoch + 1}): {Recall(last)}"));
        if (result.Best is { Recall: { } best } b)
            text.AppendLine(Invariant($"best Recall@1 {best.GetValueOrDefault("1"):F2} at epoch {b.Epoch + 1}"));
        text.AppendLine($"run directory: {result.Run.Path}");
        return text.ToString();
    }

    /// <summary>Time left in the epoch, extrapolated from the mean step time so far.</summary>
    public static TimeSpan Remaining(TimeSpan elapsed, int step, int steps) =>
        step <= 0 ? TimeSpan.Zero : elapsed / step * Math.Max(0, steps - step);

    /// <summary><c>m:ss</c>, or <c>h:mm:ss</c> from an hour.</summary>
    public static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? Invariant($"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
        : Invariant($"{t.Minutes}:{t.Seconds:D2}");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
