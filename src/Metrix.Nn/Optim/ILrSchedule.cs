namespace Metrix.Nn;

/// <summary>A learning-rate schedule set once per epoch from the epoch number alone, so a resumed run gets the same rates.</summary>
public interface ILrSchedule
{
    /// <summary>Sets every group's learning rate for <paramref name="epoch"/> (0-based).</summary>
    void SetEpoch(int epoch);
}
