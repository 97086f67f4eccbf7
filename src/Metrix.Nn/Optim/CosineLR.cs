namespace Metrix.Nn;

/// <summary>
/// Cosine annealing per epoch (torch's CosineAnnealingLR with T_max = <paramref name="epochs"/> and η_min = 0):
/// lr = initial lr · (1 + cos(π · epoch / epochs)) / 2, from the initial rate at epoch 0 down towards zero,
/// the last epoch still training at (1 − cos(π / epochs)) / 2 of it.
/// </summary>
public sealed class CosineLR(Optimizer optimizer, int epochs) : ILrSchedule
{
    /// <summary>The factor on the initial rate at <paramref name="epoch"/> of <paramref name="epochs"/>.</summary>
    public static double Factor(int epoch, int epochs) => 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(epoch, 0, epochs) / Math.Max(1, epochs)));

    /// <inheritdoc/>
    public void SetEpoch(int epoch)
    {
        double factor = Factor(epoch, epochs);
        foreach (var g in optimizer.Groups) g.Lr = g.InitialLr * factor;
    }
}
