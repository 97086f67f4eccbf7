namespace Metrix.Distributed;

/// <summary>
/// A collective operation started without waiting (<see cref="ICommunicator.BeginAllReduceSum"/>): its buffer
/// belongs to the operation until <see cref="Wait"/> returns. Disposing without waiting waits.
/// </summary>
public interface IPendingCollective : IDisposable
{
    /// <summary>Whether the operation has completed, letting it progress meanwhile; never blocks.</summary>
    bool Test();

    /// <summary>Returns when the operation has completed on this rank.</summary>
    void Wait();
}
