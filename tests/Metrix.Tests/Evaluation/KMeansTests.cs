using Metrix.Evaluation;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tests;

public sealed class KMeansTests
{
    [Fact]
    public void Separated_blobs_are_recovered_exactly()
    {
        var rng = new Rng(1);
        const int k = 6, per = 40, dim = 5;
        var x = new float[k * per * dim];
        var labels = new int[k * per];
        for (int i = 0; i < k * per; i++)
        {
            labels[i] = i % k;
            for (int d = 0; d < dim; d++) x[i * dim + d] = (d == labels[i] % dim ? 10f * (1 + labels[i] / dim) : 0f) + (float)rng.Normal(0, 0.3);
        }
        var fit = KMeans.Fit(x, dim, k, new KMeansOptions { Restarts = 3, Seed = 7 });
        Assert.Equal(1.0, Nmi.Score(labels, fit.Assignments), 12);
        // Centroids are the means of their points; inertia is the sum of squared distances to them.
        double inertia = 0;
        for (int i = 0; i < labels.Length; i++)
            for (int d = 0; d < dim; d++)
            {
                double diff = x[i * dim + d] - fit.Centroids[fit.Assignments[i] * dim + d];
                inertia += diff * diff;
            }
        Assert.Equal(inertia, fit.Inertia, inertia * 1e-4);
    }

    [Fact]
    public void Same_seed_same_clustering_and_duplicates_leave_no_cluster_empty()
    {
        float[] x = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 5, 5];
        var a = KMeans.Fit(x, 2, 3, new KMeansOptions { Seed = 3 });
        var b = KMeans.Fit(x, 2, 3, new KMeansOptions { Seed = 3 });
        Assert.Equal(a.Assignments, b.Assignments);
        Assert.Equal(3, a.Assignments.Distinct().Count());
        Assert.Equal(0, a.Inertia, 6);
        Assert.Contains("between 1 and the 6 points", Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit(x, 2, 7)).Message);
    }

    [Fact]
    public void Nmi_of_kmeans_is_close_to_sklearn_kmeans()
    {
        // k-means finds local optima that differ between implementations: a loose comparison.
        var f = Fixtures.Load("retrieval/self").Tensors;
        var labels = f["labels"].ToArray().Select(v => (int)v).ToArray();
        double nmi = Nmi.OfKMeans(f["x"].Span, f["x"].Dim(1), labels, new KMeansOptions { Restarts = 5 });
        Assert.InRange(nmi, f["nmi_kmeans"].Item() - 0.04, f["nmi_kmeans"].Item() + 0.04);
    }
}
