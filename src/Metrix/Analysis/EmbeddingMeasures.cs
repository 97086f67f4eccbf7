using System.Numerics.Tensors;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Analysis;

/// <summary>
/// Alignment and uniformity of embeddings (Wang &amp; Isola 2020; docs/method.md#analysis-measures), on rows of
/// a row-major [N × <c>dim</c>] matrix.
/// </summary>
public static unsafe class EmbeddingMeasures
{
    private const int Block = 512;

    /// <summary>
    /// Alignment: the mean over positive pairs (x ≠ y of one class) of ‖f(x) − f(y)‖². Exact in O(N·D): for a
    /// class S, Σ_{x≠y∈S} ‖x − y‖² = 2|S|·Σ‖x‖² − 2‖Σx‖² over |S|(|S| − 1) ordered pairs. Throws when no class
    /// has two members.
    /// </summary>
    public static double Alignment(ReadOnlySpan<float> x, int dim, ReadOnlySpan<int> labels)
    {
        int n = Rows(x, dim, labels.Length);
        var classes = new Dictionary<int, (int Count, double Norms, double[] Sum)>();
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * dim, dim);
            if (!classes.TryGetValue(labels[i], out var c)) c = (0, 0, new double[dim]);
            for (int d = 0; d < dim; d++) c.Sum[d] += row[d];
            classes[labels[i]] = (c.Count + 1, c.Norms + TensorPrimitives.Dot(row, row), c.Sum);
        }
        double total = 0, pairs = 0;
        foreach (var (count, norms, sum) in classes.Values)
        {
            if (count < 2) continue;
            double sumNorm = 0;
            foreach (double s in sum) sumNorm += s * s;
            total += 2 * count * norms - 2 * sumNorm;
            pairs += (double)count * (count - 1);
        }
        if (pairs == 0) throw new ArgumentException("alignment needs at least one class with two members", nameof(labels));
        return Math.Max(0, total) / pairs;
    }

    /// <summary>
    /// Uniformity with t = 2: log of the mean over ordered pairs x ≠ y of exp(−2‖f(x) − f(y)‖²), with
    /// ‖x − y‖² = ‖x‖² + ‖y‖² − 2⟨x, y⟩ from blocked GEMMs (memory of a few blocks, never N × N); rows
    /// of blocks run in parallel and their sums are added in a fixed order.
    /// </summary>
    public static double Uniformity(ReadOnlySpan<float> x, int dim)
    {
        int n = Rows(x, dim, -1);
        if (n < 2) throw new ArgumentException("uniformity needs at least two embeddings", nameof(x));
        var norms = new float[n];
        for (int i = 0; i < n; i++) norms[i] = TensorPrimitives.Dot(x.Slice(i * dim, dim), x.Slice(i * dim, dim));
        int blocks = (n + Block - 1) / Block;
        var partial = new double[blocks];
        fixed (float* px = x)
        {
            nint p = (nint)px;
            Workers.Chunks(blocks, b => partial[b] = UniformityRows((float*)p, norms, n, dim, b * Block, Math.Min(Block, n - b * Block)));
        }
        double sum = 0;
        foreach (double s in partial) sum += s;
        return Math.Log(sum / ((double)n * (n - 1)));
    }

    // Σ over rows [i0, i0 + rows) and every column j ≠ i of exp(−2(‖xi‖² + ‖xj‖² − 2⟨xi, xj⟩)).
    private static double UniformityRows(float* x, float[] norms, int n, int dim, int i0, int rows)
    {
        var s = GC.AllocateUninitializedArray<float>(rows * Block);
        double sum = 0;
        fixed (float* ps = s)
        {
            for (int j0 = 0; j0 < n; j0 += Block)
            {
                int cols = Math.Min(Block, n - j0);
                // S[rows × cols] = X[i0:] · X[j0:]ᵀ
                Gemm.Multiply(false, true, rows, cols, dim, 1f, x + (long)i0 * dim, dim, x + (long)j0 * dim, dim, 0f, ps, cols);
                for (int r = 0; r < rows; r++)
                {
                    var row = s.AsSpan(r * cols, cols);
                    // −2·d² = 4⟨xi, xj⟩ − 2‖xi‖² − 2‖xj‖²
                    TensorPrimitives.Multiply(row, 4f, row);
                    TensorPrimitives.Add(row, -2f * norms[i0 + r], row);
                    TensorPrimitives.MultiplyAdd(norms.AsSpan(j0, cols), -2f, row, row);
                    TensorPrimitives.Min(row, 0f, row);
                    int self = i0 + r - j0;
                    if ((uint)self < (uint)cols) row[self] = float.NegativeInfinity;
                    TensorPrimitives.Exp(row, row);
                    sum += TensorPrimitives.Sum<float>(row);
                }
            }
        }
        return sum;
    }

    internal static int Rows(ReadOnlySpan<float> x, int dim, int labels)
    {
        if (dim < 1 || x.Length % dim != 0)
            throw new ArgumentException($"embeddings: {x.Length} values do not form rows of dimension {dim}");
        int n = x.Length / dim;
        if (labels >= 0 && labels != n) throw new ArgumentException($"embeddings: {n} rows but {labels} labels");
        return n;
    }
}
