namespace Metrix.Evaluation;

/// <summary>
/// How a dataset is evaluated (docs/method.md#evaluation-protocols): the Recall@K cut-offs and whether a query
/// set is searched in a separate gallery (In-Shop) or the test set against itself, each query excluding its own
/// index.
/// </summary>
public sealed record RetrievalProtocol(string Name, IReadOnlyList<int> Ks, bool QueryVsGallery)
{
    /// <summary>CUB-200, Cars-196, emoji and image folders: the test set against itself, K = 1 2 4 8 16 32.</summary>
    public static RetrievalProtocol Cub { get; } = new("cub", [1, 2, 4, 8, 16, 32], false);

    /// <summary>Stanford Online Products: the test set against itself, K = 1 10 100 1000.</summary>
    public static RetrievalProtocol Sop { get; } = new("sop", [1, 10, 100, 1000], false);

    /// <summary>In-Shop clothes: query set against gallery set, K = 1 10 20 30 40 50.</summary>
    public static RetrievalProtocol InShop { get; } = new("inshop", [1, 10, 20, 30, 40, 50], true);

    /// <summary>
    /// The protocol of a dataset name (its <see cref="Training.DatasetDescriptor.Protocol"/>, ignoring case; anything
    /// else, such as an image folder, is evaluated like CUB), with <paramref name="ks"/> replacing the K list when given.
    /// </summary>
    public static RetrievalProtocol ForDataset(string dataset, IReadOnlyList<int>? ks = null)
    {
        var protocol = Training.DatasetDescriptors.Find(dataset)?.Protocol ?? Cub with { Name = dataset };
        return ks is null ? protocol : protocol with { Ks = CheckKs(ks) };
    }

    private static int[] CheckKs(IReadOnlyList<int> ks)
    {
        if (ks.Count == 0 || ks.Any(k => k < 1))
            throw new ArgumentException($"Recall@K cut-offs must be positive integers; got [{string.Join(' ', ks)}]", nameof(ks));
        return [.. ks];
    }
}
