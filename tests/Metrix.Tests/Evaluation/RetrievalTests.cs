using Metrix.Evaluation;
using Metrix.Tensors;

namespace Metrix.Tests;

public sealed class RetrievalTests
{
    // Unit vectors at 0°, 10°, 25°, 90°, 100°; classes A B A C B (C has a single member).
    private static readonly int[] CircleLabels = [0, 1, 0, 2, 1];

    private static float[] Circle()
    {
        double[] degrees = [0, 10, 25, 90, 100];
        return degrees.SelectMany(d => new[] { (float)Math.Cos(d * Math.PI / 180), (float)Math.Sin(d * Math.PI / 180) }).ToArray();
    }

    [Fact]
    public void Recall_at_k_on_a_hand_ranked_circle()
    {
        // Neighbours by angle (self excluded) and the rank of the first same-class one:
        // q0: 1 2 3 4 → 1;  q1: 0 2 3 4 → 3;  q2: 1 0 3 4 → 1;  q3: 4 2 1 0 → none;  q4: 3 2 1 0 → 2.
        var protocol = RetrievalProtocol.ForDataset("cub", [1, 2, 3, 4, 8]);
        var result = Retrieval.Evaluate(protocol, Circle(), CircleLabels, default, default, dim: 2, mapAtR: true);
        Assert.Equal([0, 0.4, 0.6, 0.8, 0.8], result.Recall);
        Assert.Equal(0.8, result.RecallAt(8));
        Assert.Equal(0.0, result.MapAtR); // every R = 1 query misses at rank 0; the lone C query is left out
        Assert.Equal(5, result.Queries);
        Assert.Throws<KeyNotFoundException>(() => result.RecallAt(16));
    }

    [Fact]
    public void Average_precision_at_r_by_hand()
    {
        int[] galleryLabels = [7, 8, 7, 7, 8];
        // Ranked labels 7 8 7 7 8, R = 3: (P(1) + P(3)) / 3 = (1 + 2/3) / 3.
        Assert.Equal(5.0 / 9, RetrievalMetrics.AveragePrecisionAtR([0, 1, 2, 3, 4], galleryLabels, 7, 3), 12);
        // Ranked labels 8 7, R = 2: P(2)·1 / 2 = 1/4.
        Assert.Equal(0.25, RetrievalMetrics.AveragePrecisionAtR([1, 0, 2, 3], galleryLabels, 7, 2), 12);
        Assert.Equal(0, RetrievalMetrics.AveragePrecisionAtR([1], galleryLabels, 7, 0));
    }

    [Fact]
    public void Streamed_evaluation_agrees_with_materialised_neighbours()
    {
        var rng = new Rng(3);
        using var scope = new TensorScope();
        var x = Ops.L2Normalize(rng.Normal([500, 16]));
        var labels = Enumerable.Range(0, 500).Select(i => i % 37).ToArray();
        var protocol = RetrievalProtocol.Cub;
        var result = Retrieval.Evaluate(protocol, x, labels, mapAtR: true);
        var n = Knn.Search(x, x, k: 32, excludeSelf: true);
        Assert.Equal(RetrievalMetrics.RecallAtK(n, labels, labels, protocol.Ks), result.Recall);
        Assert.Equal(RetrievalMetrics.MapAtR(n, labels, labels, excludeSelf: true), result.MapAtR!.Value, 12);
    }

    [Fact]
    public void Query_gallery_protocol_counts_the_identical_gallery_item()
    {
        // In-Shop: the query set is separate, so a gallery copy of the query is a legitimate first hit.
        var gallery = Circle();
        float[] queries = [1, 0, 0, 1];
        // Query 0° (class 0): gallery 0° is rank 0; R = 2 and ranks 0,1 are classes 0,1 → AP = 1/2.
        // Query 90° (class 1): gallery 90° (class 2) then 100° (class 1) → first hit rank 1; R = 2 → AP = (1/2)/2.
        var result = Retrieval.Evaluate(RetrievalProtocol.ForDataset("inshop", [1, 2]), queries, [0, 1], gallery, CircleLabels, dim: 2, mapAtR: true);
        Assert.Equal([0.5, 1.0], result.Recall);
        Assert.Equal((0.5 + 0.25) / 2, result.MapAtR!.Value, 12);
    }

    [Fact]
    public void Protocols_follow_the_dataset_and_can_be_overridden()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32], RetrievalProtocol.ForDataset("Cars").Ks);
        Assert.False(RetrievalProtocol.ForDataset("emoji").QueryVsGallery);
        Assert.Equal([1, 10, 100, 1000], RetrievalProtocol.ForDataset("sop").Ks);
        Assert.True(RetrievalProtocol.ForDataset("inshop").QueryVsGallery);
        Assert.Equal([1, 10, 20, 30, 40, 50], RetrievalProtocol.InShop.Ks);
        Assert.Equal([1, 5], RetrievalProtocol.ForDataset("sop", [1, 5]).Ks);
        Assert.Contains("positive integers", Assert.Throws<ArgumentException>(() => RetrievalProtocol.ForDataset("cub", [0])).Message);
        Assert.Contains("takes no gallery", Assert.Throws<ArgumentException>(() =>
            Retrieval.Evaluate(RetrievalProtocol.Cub, Circle(), CircleLabels, Circle(), CircleLabels, 2)).Message);
        Assert.Contains("5 rows but 4 labels", Assert.Throws<ArgumentException>(() =>
            Retrieval.Evaluate(RetrievalProtocol.Cub, Circle(), [0, 1, 2, 3], default, default, 2)).Message);
    }
}
