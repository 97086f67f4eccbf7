namespace Metrix.Evaluation;

/// <summary>
/// Receives the finished neighbours of queries [<paramref name="firstQuery"/>, firstQuery + queryCount):
/// <paramref name="indices"/> and <paramref name="similarities"/> are [queryCount × k], best first. Called
/// concurrently from worker threads for disjoint query ranges; the spans are valid only during the call.
/// </summary>
public delegate void NeighbourBlockHandler(int firstQuery, int queryCount, int k,
    ReadOnlySpan<int> indices, ReadOnlySpan<float> similarities);
