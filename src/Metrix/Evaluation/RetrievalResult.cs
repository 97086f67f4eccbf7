namespace Metrix.Evaluation;

/// <summary>
/// Retrieval quality of one evaluation: Recall@K for each cut-off (a fraction in [0, 1]) and, when asked
/// for, MAP@R.
/// </summary>
public sealed record RetrievalResult(IReadOnlyList<int> Ks, IReadOnlyList<double> Recall, double? MapAtR, int Queries)
{
    /// <summary>Recall@<paramref name="k"/>; throws when k was not evaluated.</summary>
    public double RecallAt(int k)
    {
        for (int i = 0; i < Ks.Count; i++)
            if (Ks[i] == k) return Recall[i];
        throw new KeyNotFoundException($"Recall@{k} was not evaluated (cut-offs: {string.Join(' ', Ks)})");
    }

    /// <summary>"R@1 65.10 · R@2 76.33 …" (percentages), for logs.</summary>
    public override string ToString() =>
        string.Join(" · ", Ks.Select((k, i) => $"R@{k} {100 * Recall[i]:F2}")) +
        (MapAtR is { } m ? $" · MAP@R {100 * m:F2}" : "");
}
