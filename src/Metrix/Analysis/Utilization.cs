using System.Numerics.Tensors;
using Metrix.Evaluation;

namespace Metrix.Analysis;

/// <summary>
/// Utilization (paper eq. 12, docs/method.md#analysis-measures): the mean over test queries q of min_{x∈X}
/// ‖f(q) − f(x)‖, X the training embeddings; lower means the training embeddings cover the test space better.
/// </summary>
/// <remarks>
/// Nearest Euclidean neighbours of rows that need not be unit length (mixed embeddings are not
/// re-normalised) come from the exact k-NN with k = 1 on augmented vectors: q' = [q, 1],
/// x' = [x, −‖x‖²/2] give ⟨q', x'⟩ = (‖q‖² − ‖q − x‖²)/2.
/// </remarks>
public static class Utilization
{
    /// <summary>Utilization of <paramref name="queries"/> with respect to <paramref name="training"/> (both [· × <paramref name="dim"/>]).</summary>
    public static double Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> training, int dim) =>
        Mean(NearestDistances(queries, training, dim));

    /// <summary>
    /// Utilization with respect to the clean training embeddings alone and to the clean plus the mixed
    /// ones (mixed may be empty: then <see cref="UtilizationResult.Mixed"/> is null).
    /// </summary>
    public static UtilizationResult Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> clean, ReadOnlySpan<float> mixed, int dim)
    {
        var toClean = NearestDistances(queries, clean, dim);
        if (mixed.IsEmpty) return new UtilizationResult(Mean(toClean), null);
        var toMixed = NearestDistances(queries, mixed, dim);
        TensorPrimitives.Min(toClean, toMixed, toMixed);
        return new UtilizationResult(Mean(toClean), Mean(toMixed));
    }

    /// <summary>min_{x ∈ set} ‖q − x‖ for every query row.</summary>
    public static double[] NearestDistances(ReadOnlySpan<float> queries, ReadOnlySpan<float> set, int dim)
    {
        int nq = EmbeddingMeasures.Rows(queries, dim, -1);
        int ns = EmbeddingMeasures.Rows(set, dim, -1);
        if (ns == 0) throw new ArgumentException("utilization needs at least one training embedding", nameof(set));
        int da = dim + 1;
        var q = new float[(long)nq * da];
        var queryNorms = new double[nq];
        for (int i = 0; i < nq; i++)
        {
            var row = queries.Slice(i * dim, dim);
            row.CopyTo(q.AsSpan(i * da, dim));
            q[i * da + dim] = 1;
            queryNorms[i] = TensorPrimitives.Dot(row, row);
        }
        var x = new float[(long)ns * da];
        for (int i = 0; i < ns; i++)
        {
            var row = set.Slice(i * dim, dim);
            row.CopyTo(x.AsSpan(i * da, dim));
            x[i * da + dim] = -0.5f * TensorPrimitives.Dot(row, row);
        }
        var distances = new double[nq];
        Knn.Search(q, x, da, 1, false, (first, count, _, _, sim) =>
        {
            // ‖q − x‖² = ‖q‖² − 2⟨q', x'⟩, clamped at 0 against rounding.
            for (int i = 0; i < count; i++)
                distances[first + i] = Math.Sqrt(Math.Max(0, queryNorms[first + i] - 2.0 * sim[i]));
        });
        return distances;
    }

    private static double Mean(double[] values)
    {
        if (values.Length == 0) throw new ArgumentException("utilization needs at least one query");
        double sum = 0;
        foreach (double v in values) sum += v;
        return sum / values.Length;
    }
}
