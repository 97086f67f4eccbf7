using Metrix.Evaluation;

namespace Metrix;

/// <summary>
/// Embeddings to search by cosine similarity: exact k nearest neighbours by the blocked matrix-product
/// search of <see cref="Knn"/> (the one Recall@K uses), not an approximation. The vectors are copied and
/// L2-normalised, so the similarity is the cosine whether or not the model normalises its output.
/// </summary>
public sealed class EmbeddingIndex
{
    private readonly float[] _rows; // Count × Dimension, row-major, unit length

    /// <summary>An index of <paramref name="vectors"/>, all of one length; row i is <c>vectors[i]</c>.</summary>
    /// <exception cref="ArgumentException">The vectors differ in length, or one is empty or all zeros.</exception>
    public EmbeddingIndex(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        Dimension = vectors.Count == 0 ? 0 : vectors[0].Length;
        _rows = Normalised(vectors, Dimension, nameof(vectors));
        Count = vectors.Count;
    }

    /// <summary>The number of vectors.</summary>
    public int Count { get; }

    /// <summary>The length of every vector.</summary>
    public int Dimension { get; }

    /// <summary>The <paramref name="k"/> rows most similar to <paramref name="query"/>, most similar first (fewer when the index is smaller).</summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k) => Search([query.ToArray()], k)[0];

    /// <summary>
    /// The <paramref name="k"/> most similar rows for each of <paramref name="queries"/>, most similar first;
    /// with <paramref name="excludeSelf"/>, query i (a row of this index) leaves out row i.
    /// </summary>
    /// <exception cref="ArgumentException">A query's length differs from <see cref="Dimension"/>, or <paramref name="k"/> is not positive.</exception>
    public IReadOnlyList<IReadOnlyList<SearchHit>> Search(IReadOnlyList<float[]> queries, int k, bool excludeSelf = false)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var rows = Normalised(queries, Dimension, nameof(queries));
        int available = Math.Min(k, Knn.Available(Count, excludeSelf));
        if (available == 0 || queries.Count == 0) return queries.Select(_ => (IReadOnlyList<SearchHit>)[]).ToArray();
        var found = Knn.Search(rows, _rows, Dimension, available, excludeSelf);
        var result = new IReadOnlyList<SearchHit>[queries.Count];
        for (int q = 0; q < queries.Count; q++)
        {
            var hits = new SearchHit[available];
            var indices = found.IndicesOf(q);
            var similarities = found.SimilaritiesOf(q);
            for (int j = 0; j < available; j++) hits[j] = new SearchHit(indices[j], similarities[j]);
            result[q] = hits;
        }
        return result;
    }

    /// <summary>The cosine similarity of <paramref name="a"/> and <paramref name="b"/>: a·b / (|a| |b|).</summary>
    /// <exception cref="ArgumentException">The lengths differ, or a vector is all zeros.</exception>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors of lengths {a.Length} and {b.Length}", nameof(b));
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }
        if (aa == 0 || bb == 0) throw new ArgumentException("the cosine of a zero vector is undefined", aa == 0 ? nameof(a) : nameof(b));
        return (float)(dot / Math.Sqrt(aa * bb));
    }

    private static float[] Normalised(IReadOnlyList<float[]> vectors, int dimension, string name)
    {
        var rows = new float[(long)vectors.Count * dimension];
        for (int i = 0; i < vectors.Count; i++)
        {
            var v = vectors[i] ?? throw new ArgumentException($"vector {i} is null", name);
            if (v.Length != dimension || dimension == 0)
                throw new ArgumentException($"vector {i} has length {v.Length}; expected {dimension} (a non-empty length shared by all)", name);
            double norm = 0;
            foreach (float x in v) norm += (double)x * x;
            if (norm == 0 || !double.IsFinite(norm)) throw new ArgumentException($"vector {i} is zero or not finite", name);
            float scale = (float)(1 / Math.Sqrt(norm));
            for (int j = 0; j < dimension; j++) rows[(long)i * dimension + j] = v[j] * scale;
        }
        return rows;
    }
}
