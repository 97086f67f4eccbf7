namespace Metrix.Evaluation;

/// <summary>Settings of <see cref="KMeans"/>.</summary>
public sealed record KMeansOptions
{
    /// <summary>Independent k-means++ initialisations; the fit with the lowest inertia is kept.</summary>
    public int Restarts { get; init; } = 3;

    /// <summary>Most Lloyd iterations per restart (it stops earlier when no assignment changes).</summary>
    public int MaxIterations { get; init; } = 50;

    /// <summary>Seed of the initialisations.</summary>
    public ulong Seed { get; init; }

    /// <summary>The defaults.</summary>
    public static KMeansOptions Default { get; } = new();
}
