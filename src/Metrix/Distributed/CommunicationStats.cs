namespace Metrix.Distributed;

/// <summary>
/// What a communicator has exchanged since it started (or since <see cref="MpiCommunicator.ResetStats"/>): the
/// collective calls made, the bytes this rank contributed to them and the wall time spent inside them
/// (waiting for the other ranks included).
/// </summary>
/// <param name="Calls">Collective operations completed.</param>
/// <param name="Bytes">Bytes of this rank's buffers handed to them: for a sum, the buffer; for a gather, what this rank sends; for a broadcast, the buffer.</param>
/// <param name="Seconds">Wall time inside the calls (for a non-blocking sum, from its start to the end of its wait).</param>
public readonly record struct CommunicationStats(long Calls, long Bytes, double Seconds)
{
    /// <summary>The difference <paramref name="a"/> − <paramref name="b"/> (what happened between two readings).</summary>
    public static CommunicationStats operator -(CommunicationStats a, CommunicationStats b) =>
        new(a.Calls - b.Calls, a.Bytes - b.Bytes, a.Seconds - b.Seconds);

    /// <summary>The difference <paramref name="a"/> − <paramref name="b"/>.</summary>
    public static CommunicationStats Subtract(CommunicationStats a, CommunicationStats b) => a - b;
}
