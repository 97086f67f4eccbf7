namespace Metrix.Training;

/// <summary>The loss or the weights became NaN or infinite: the run stops and the last good checkpoint stays as it was.</summary>
public sealed class DivergedException(int epoch, int step, double loss, string? lastGood)
    : Exception((double.IsFinite(loss) ? $"the weights became NaN or infinite (loss {loss})" : $"the loss became {loss}") + $" at epoch {epoch}, step {step + 1}: training diverged. " +
        (lastGood is null ? "No checkpoint was written yet. " : $"The last good checkpoint is {lastGood} (resume with --resume). ") +
        "Try a lower --lr or a smaller --mix_weight.")
{
    /// <summary>The epoch (from 0).</summary>
    public int Epoch { get; } = epoch;

    /// <summary>The step within the epoch (from 0).</summary>
    public int Step { get; } = step;
}
