namespace Metrix.Nn;

/// <summary>What <see cref="Module.LoadStateDict"/> could not match, by name.</summary>
public sealed record LoadResult(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);
