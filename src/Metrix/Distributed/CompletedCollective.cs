namespace Metrix.Distributed;

/// <summary>An operation that completed before it was returned.</summary>
internal sealed class CompletedCollective : IPendingCollective
{
    public static CompletedCollective Instance { get; } = new();

    public bool Test() => true;

    public void Wait() { }

    public void Dispose() { }
}
