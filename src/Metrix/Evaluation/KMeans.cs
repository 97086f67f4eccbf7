using System.Numerics.Tensors;
using Metrix.Tensors;

namespace Metrix.Evaluation;

/// <summary>
/// Euclidean k-means: k-means++ seeding (Arthur &amp; Vassilvitskii 2007) from a seeded <see cref="Rng"/>, then
/// Lloyd iterations until no assignment changes; the best of <see cref="KMeansOptions.Restarts"/> by inertia.
/// </summary>
/// <remarks>
/// The assignment step is the exact k-NN of <see cref="Knn"/> with k = 1 on augmented vectors:
/// x' = [x, 1], c' = [c, −‖c‖²/2] give ⟨x', c'⟩ = ⟨x, c⟩ − ‖c‖²/2 = (‖x‖² − ‖x − c‖²)/2, so the most similar
/// c' is the nearest centroid (ties to the lower index), computed by blocked GEMMs without an N × K matrix.
/// An empty cluster takes the point farthest from its centroid.
/// </remarks>
public static class KMeans
{
    /// <summary>Clusters the rows of <paramref name="x"/> [N × <paramref name="dim"/>] into <paramref name="k"/> clusters.</summary>
    public static KMeansResult Fit(ReadOnlySpan<float> x, int dim, int k, KMeansOptions? options = null)
    {
        options ??= KMeansOptions.Default;
        if (dim < 1 || x.Length % dim != 0)
            throw new ArgumentException($"k-means: {x.Length} values do not form rows of dimension {dim}");
        int n = x.Length / dim;
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k-means: the number of clusters must be between 1 and the {n} points");
        if (options.Restarts < 1 || options.MaxIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "k-means: restarts and iterations must be positive");

        // x' = [x, 1]: N × (D + 1)
        int da = dim + 1;
        var augmented = new float[(long)n * da];
        var norms = new double[n];
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * dim, dim);
            row.CopyTo(augmented.AsSpan(i * da, dim));
            augmented[i * da + dim] = 1;
            norms[i] = TensorPrimitives.Dot(row, row);
        }
        var rng = new Rng(options.Seed);
        KMeansResult? best = null;
        for (int restart = 0; restart < options.Restarts; restart++)
        {
            var fit = Lloyd(augmented, norms, n, dim, k, Seed(augmented, norms, n, dim, k, rng.Fork()), options.MaxIterations);
            if (best is null || fit.Inertia < best.Inertia) best = fit;
        }
        return best!;
    }

    // k-means++: the first centre uniformly, each next one with probability ∝ D²(x), the squared distance to the nearest chosen centre.
    private static float[] Seed(float[] augmented, double[] norms, int n, int dim, int k, Rng rng)
    {
        int da = dim + 1;
        var centres = new float[(long)k * dim];
        var d2 = new double[n];
        Array.Fill(d2, double.PositiveInfinity);
        int chosen = rng.NextInt(n);
        for (int c = 0; c < k; c++)
        {
            augmented.AsSpan(chosen * da, dim).CopyTo(centres.AsSpan(c * dim, dim));
            if (c == k - 1) break;
            int centre = chosen;
            Workers.For(n, 256, (start, end) =>
            {
                var cv = augmented.AsSpan(centre * da, dim);
                for (int i = start; i < end; i++)
                {
                    double d = Math.Max(0, norms[i] + norms[centre] - 2.0 * TensorPrimitives.Dot(augmented.AsSpan(i * da, dim), cv));
                    if (d < d2[i]) d2[i] = d;
                }
            });
            d2[centre] = 0;
            chosen = Sample(d2, rng);
        }
        return centres;
    }

    private static int Sample(double[] weights, Rng rng)
    {
        double total = 0;
        foreach (double w in weights) total += w;
        if (!(total > 0))
        {
            // Every point coincides with a centre: any point will do.
            return rng.NextInt(weights.Length);
        }
        double target = rng.NextDouble() * total, run = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0) continue;
            run += weights[i];
            last = i;
            if (run > target) return i;
        }
        return last;
    }

    private static KMeansResult Lloyd(float[] augmented, double[] norms, int n, int dim, int k, float[] centres, int maxIterations)
    {
        int da = dim + 1;
        var centresAug = new float[(long)k * da];
        var assign = new int[n];
        var previous = new int[n];
        var score = new float[n];
        var sums = new double[(long)k * dim];
        var counts = new int[k];
        double inertia = 0;
        int iterations = 0;
        Array.Fill(previous, -1);
        while (true)
        {
            // c' = [c, −‖c‖²/2]
            for (int c = 0; c < k; c++)
            {
                var cv = centres.AsSpan(c * dim, dim);
                cv.CopyTo(centresAug.AsSpan(c * da, dim));
                centresAug[c * da + dim] = -0.5f * TensorPrimitives.Dot(cv, cv);
            }
            Knn.Search(augmented, centresAug, da, 1, false, (first, count, _, idx, sim) =>
            {
                idx.CopyTo(assign.AsSpan(first, count));
                sim.CopyTo(score.AsSpan(first, count));
            });
            iterations++;
            inertia = 0;
            bool changed = false;
            for (int i = 0; i < n; i++)
            {
                inertia += Distance2(norms, score, i);
                changed |= assign[i] != previous[i];
            }
            if (!changed || iterations == maxIterations) break;
            (previous, assign) = (assign, previous);
            Update(augmented, norms, score, previous, n, dim, k, centres, sums, counts);
        }
        return new KMeansResult(assign, centres, inertia, iterations);
    }

    // ‖x − c‖² = ‖x‖² − 2·⟨x', c'⟩ (clamped: rounding may make it slightly negative).
    private static double Distance2(double[] norms, float[] score, int i) => Math.Max(0, norms[i] - 2.0 * score[i]);

    // Centroid = mean of its points; an empty cluster is moved onto the farthest point not yet used for one.
    private static void Update(float[] augmented, double[] norms, float[] score, int[] assign, int n, int dim, int k,
        float[] centres, double[] sums, int[] counts)
    {
        int da = dim + 1;
        Array.Clear(sums);
        Array.Clear(counts);
        for (int i = 0; i < n; i++)
        {
            int c = assign[i];
            counts[c]++;
            var row = augmented.AsSpan(i * da, dim);
            var sum = sums.AsSpan(c * dim, dim);
            for (int d = 0; d < dim; d++) sum[d] += row[d];
        }
        int[]? farthest = null;
        int next = 0;
        for (int c = 0; c < k; c++)
        {
            var centre = centres.AsSpan(c * dim, dim);
            if (counts[c] > 0)
            {
                var sum = sums.AsSpan(c * dim, dim);
                for (int d = 0; d < dim; d++) centre[d] = (float)(sum[d] / counts[c]);
                continue;
            }
            farthest ??= Enumerable.Range(0, n).OrderByDescending(i => Distance2(norms, score, i)).ThenBy(i => i).ToArray();
            augmented.AsSpan(farthest[next++] * da, dim).CopyTo(centre);
        }
    }
}
