namespace Metrix.Evaluation;

/// <summary>
/// Normalised mutual information between a labelling and a clustering, with the arithmetic normalisation of
/// scikit-learn's <c>normalized_mutual_info_score</c>: NMI = I(U; V) / ((H(U) + H(V)) / 2), natural logarithms.
/// </summary>
public static class Nmi
{
    /// <summary>
    /// NMI of <paramref name="labels"/> and <paramref name="clusters"/> (equal lengths; any integer ids).
    /// Both constant (one class and one cluster), or empty: 1. Zero mutual information: 0.
    /// </summary>
    public static double Score(ReadOnlySpan<int> labels, ReadOnlySpan<int> clusters)
    {
        if (labels.Length != clusters.Length)
            throw new ArgumentException($"NMI: {labels.Length} labels but {clusters.Length} cluster assignments");
        int n = labels.Length;
        var classCount = RetrievalMetrics.LabelCounts(labels);
        var clusterCount = RetrievalMetrics.LabelCounts(clusters);
        if (classCount.Count == clusterCount.Count && classCount.Count <= 1) return 1;
        var joint = new Dictionary<(int, int), int>();
        for (int i = 0; i < n; i++)
        {
            var key = (labels[i], clusters[i]);
            joint[key] = joint.GetValueOrDefault(key) + 1;
        }
        // I(U; V) = Σ_ij (n_ij / N) · log(N·n_ij / (a_i·b_j))
        double mi = 0;
        foreach (var ((label, cluster), nij) in joint)
            mi += (double)nij / n * Math.Log((double)n * nij / ((double)classCount[label] * clusterCount[cluster]));
        if (mi <= 0) return 0;
        double normaliser = (Entropy(classCount.Values, n) + Entropy(clusterCount.Values, n)) / 2;
        return mi / Math.Max(normaliser, double.Epsilon);
    }

    /// <summary>
    /// NMI of the labels and a k-means clustering of the embeddings [N × <paramref name="dim"/>] into as many
    /// clusters as there are classes (<see cref="KMeans"/>: seeded k-means++ and Lloyd iterations, the best of
    /// a few restarts by inertia).
    /// </summary>
    public static double OfKMeans(ReadOnlySpan<float> embeddings, int dim, ReadOnlySpan<int> labels, KMeansOptions? options = null)
    {
        int classes = RetrievalMetrics.LabelCounts(labels).Count;
        var fit = KMeans.Fit(embeddings, dim, classes, options);
        if (fit.Assignments.Length != labels.Length)
            throw new ArgumentException($"NMI: {fit.Assignments.Length} embeddings but {labels.Length} labels");
        return Score(labels, fit.Assignments);
    }

    private static double Entropy(IEnumerable<int> counts, int n)
    {
        double h = 0;
        foreach (int c in counts)
            if (c > 0) h -= (double)c / n * Math.Log((double)c / n);
        return h;
    }
}
