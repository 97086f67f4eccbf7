namespace Metrix.Nn;

/// <summary>StepLR: every group's lr = initial lr · γ^⌊epoch / step⌋, stepped once per epoch.</summary>
public sealed class StepLR(Optimizer optimizer, int stepSize, double gamma) : ILrSchedule
{
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }

    /// <summary>Ends an epoch and updates the learning rates.</summary>
    public void Step() => SetEpoch(Epoch + 1);

    /// <summary>Sets the epoch count (for resume) and the matching learning rates.</summary>
    public void SetEpoch(int epoch)
    {
        Epoch = epoch;
        foreach (var g in optimizer.Groups) g.Lr = g.InitialLr * Math.Pow(gamma, epoch / Math.Max(1, stepSize));
    }
}
