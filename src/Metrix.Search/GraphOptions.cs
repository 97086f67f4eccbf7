namespace Metrix.Search;

/// <summary>
/// Settings of the HNSW graph (USearch): <see cref="Connectivity"/> edges per node and the candidate lists
/// kept while inserting (<see cref="ExpansionAdd"/>) and searching (<see cref="ExpansionSearch"/>).
/// </summary>
/// <param name="Connectivity">Edges per node on the upper layers (M; twice as many on the base layer).</param>
/// <param name="ExpansionAdd">Candidates kept while linking a new node (efConstruction).</param>
/// <param name="ExpansionSearch">Candidates kept while searching (ef; at least k is used).</param>
public sealed record GraphOptions(int Connectivity = GraphOptions.DefaultConnectivity, int ExpansionAdd = GraphOptions.DefaultExpansionAdd,
    int ExpansionSearch = GraphOptions.DefaultExpansionSearch)
{
    /// <summary>
    /// Default M. With ef 64 it gives recall@10 0.99–0.997 on trained embeddings but only 0.74 on clustered
    /// random vectors (docs/performance.md, "Approximate search"): raising M or efConstruction does not close that gap
    /// at a lower query cost than raising ef.
    /// </summary>
    public const int DefaultConnectivity = 16;

    /// <summary>Default efConstruction.</summary>
    public const int DefaultExpansionAdd = 128;

    /// <summary>
    /// ef of a graph whose ef is neither given nor calibrated (<c>metrix bench index</c>, indexes searched exactly):
    /// recall@10 0.997 on 6,762 trained embeddings, 0.988–0.992 on 60,502 replicated ones, 0.74 on 60,502 clustered
    /// random vectors, which need ef 1024 for 0.99 (docs/performance.md). <c>metrix index build</c> calibrates ef to
    /// a recall target instead (<see cref="ImageIndex.PlanSearch"/>).
    /// </summary>
    public const int DefaultExpansionSearch = 64;

    /// <summary>The defaults.</summary>
    public static GraphOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless every setting is in range.</summary>
    public GraphOptions Validate()
    {
        if (Connectivity is < 2 or > 256) throw new ArgumentOutOfRangeException(nameof(Connectivity), Connectivity, "connectivity must be between 2 and 256");
        if (ExpansionAdd is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(ExpansionAdd), ExpansionAdd, "expansion_add must be between 1 and 65536");
        if (ExpansionSearch is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(ExpansionSearch), ExpansionSearch, "expansion_search must be between 1 and 65536");
        return this;
    }
}
