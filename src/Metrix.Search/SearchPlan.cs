using System.Text.Json.Serialization;

namespace Metrix.Search;

/// <summary>How an index is searched when the caller does not choose.</summary>
public enum SearchMethod
{
    /// <summary>The index's own choice (<see cref="SearchPlan"/>).</summary>
    Default,

    /// <summary>Through the HNSW graph at the manifest's ef.</summary>
    Graph,

    /// <summary>The blocked exact k-NN over the stored embeddings (the reference).</summary>
    Exact,
}

/// <summary>
/// The default search of an index and why it was chosen, in <c>manifest.json</c>: <see cref="SearchMethod.Graph"/>
/// at an ef given by the user or calibrated to a recall target on held-out rows (<see cref="ExpansionCalibration"/>),
/// or <see cref="SearchMethod.Exact"/> when the gallery is too small for a graph to pay, no ef up to
/// <see cref="ExpansionCalibration.MaxExpansion"/> reached the target, or an exact scan was as fast as the graph at
/// the ef that did (<see cref="ImageIndex.PlanSearch"/>). Indexes written before plans existed have none
/// and search through the graph.
/// </summary>
/// <param name="Method">"graph" or "exact".</param>
/// <param name="Reason">Why, in a sentence.</param>
/// <param name="RecallTarget">The recall@<paramref name="K"/> target calibrated to, when calibrated.</param>
/// <param name="K">Neighbours of the calibration's recall.</param>
/// <param name="Samples">Held-out rows searched for.</param>
/// <param name="Tried">Every ef tried with its recall and lower bound.</param>
/// <param name="GraphMicroseconds">Mean time of a held-out query through the graph at the calibrated ef, one at a time.</param>
/// <param name="ExactMicroseconds">Mean time of the same queries by the exact scan.</param>
public sealed record SearchPlan(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("recall_target")] double? RecallTarget = null,
    [property: JsonPropertyName("k")] int? K = null,
    [property: JsonPropertyName("samples")] int? Samples = null,
    [property: JsonPropertyName("tried")] IReadOnlyList<CalibrationPoint>? Tried = null,
    [property: JsonPropertyName("graph_us")] double? GraphMicroseconds = null,
    [property: JsonPropertyName("exact_us")] double? ExactMicroseconds = null)
{
    /// <summary>Value of <see cref="Method"/> for graph search.</summary>
    public const string GraphMethod = "graph";

    /// <summary>Value of <see cref="Method"/> for exact search.</summary>
    public const string ExactMethod = "exact";

    /// <summary>Galleries smaller than this are searched exactly by default: a scan of them costs no more than a graph search.</summary>
    public const int MinGraphRows = 1000;

    /// <summary>Neighbours of the recall the default calibration targets (the recall@10 of docs/performance.md).</summary>
    public const int DefaultK = 10;

    /// <summary>Whether the plan is exact search.</summary>
    [JsonIgnore]
    public bool IsExact => Method == ExactMethod;
}
