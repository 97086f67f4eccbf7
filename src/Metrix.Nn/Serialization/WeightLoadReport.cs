namespace Metrix.Nn;

/// <summary>
/// What <see cref="StateDictLoader.Load(Module, WeightFile, IReadOnlyList{string})"/> did, by name: every list keeps the file's (or, for
/// <see cref="Missing"/>, the model's) order.
/// </summary>
/// <param name="Source">The weights file.</param>
/// <param name="Format">Its format.</param>
/// <param name="Loaded">Model entries overwritten from the file.</param>
/// <param name="Skipped">File entries left out on purpose (by prefix, <c>fc.</c> by default: the classifier).</param>
/// <param name="Missing">Model entries the file lacks; they keep their current values.</param>
/// <param name="Unexpected">File entries the model has no place for; ignored.</param>
/// <param name="Converted">Loaded entries stored in another dtype than float32, with that dtype (<c>num_batches_tracked</c>: <c>int64</c>).</param>
/// <param name="StrippedPrefix">A prefix removed from every file name before matching (<c>module.</c> of DataParallel), or null.</param>
public sealed record WeightLoadReport(
    string Source,
    WeightFormat Format,
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Skipped,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyDictionary<string, string> Converted,
    string? StrippedPrefix)
{
    /// <summary>One line for a log: counts, then the skipped, missing and unexpected names.</summary>
    public string Summary()
    {
        var parts = new List<string> { $"loaded {Loaded.Count} tensors from {Source} ({Format})" };
        if (StrippedPrefix is not null) parts.Add($"prefix '{StrippedPrefix}' removed");
        if (Skipped.Count > 0) parts.Add($"skipped {Names(Skipped)}");
        if (Missing.Count > 0) parts.Add($"missing (left as initialised) {Names(Missing)}");
        if (Unexpected.Count > 0) parts.Add($"unexpected (ignored) {Names(Unexpected)}");
        return string.Join("; ", parts);
    }

    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= 12 ? string.Join(", ", names) : string.Join(", ", names.Take(12)) + $", … ({names.Count} in all)";
}
