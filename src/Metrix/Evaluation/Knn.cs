using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Metrix.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Evaluation;

/// <summary>
/// Exact k-nearest-neighbour search by cosine similarity s(q, g) = ⟨q, g⟩ on L2-normalised rows.
/// </summary>
/// <remarks>
/// Queries Q [Nq × D] are cut into blocks of <see cref="KnnOptions.QueryBlock"/> rows, processed in parallel;
/// each block meets the gallery G [Ng × D] in blocks of <see cref="KnnOptions.GalleryBlock"/> rows through one
/// GEMM S = Q_b·G_bᵀ and a running top-k (<see cref="RunningTopK"/>), so memory stays bounded by the block
/// sizes and the full Nq × Ng matrix never exists. Ranking: decreasing similarity, then increasing gallery
/// index. With <c>excludeSelf</c> the queries are the gallery (Nq = Ng) and query i never retrieves gallery
/// item i (only that index: duplicates of it still count). Results are deterministic for a given
/// <see cref="Workers.Threads"/> and block sizes.
/// </remarks>
public static unsafe class Knn
{
    /// <summary>The k nearest rows of <paramref name="gallery"/> [Ng × D] for every row of <paramref name="queries"/> [Nq × D].</summary>
    public static Neighbours Search(Tensor queries, Tensor gallery, int k, bool excludeSelf = false, KnnOptions? options = null)
    {
        int dim = CheckMatrices(queries, gallery);
        return Search(queries.Span, gallery.Span, dim, k, excludeSelf, options);
    }

    /// <summary>The k nearest gallery rows for every query row; both row-major with <paramref name="dim"/> columns.</summary>
    public static Neighbours Search(ReadOnlySpan<float> queries, ReadOnlySpan<float> gallery, int dim, int k,
        bool excludeSelf = false, KnnOptions? options = null)
    {
        int nq = CheckRows(queries, dim, "queries");
        var indices = new int[(long)nq * k];
        var similarities = new float[(long)nq * k];
        Search(queries, gallery, dim, k, excludeSelf, (first, count, kk, idx, sim) =>
        {
            idx.CopyTo(indices.AsSpan(first * kk, count * kk));
            sim.CopyTo(similarities.AsSpan(first * kk, count * kk));
        }, options);
        return new Neighbours(nq, k, indices, similarities);
    }

    /// <summary>
    /// Streams the k nearest gallery rows of each block of queries to <paramref name="handler"/> without
    /// keeping them: memory does not grow with Nq (e.g. Recall@K on 60k queries with k = 1000).
    /// </summary>
    public static void Search(ReadOnlySpan<float> queries, ReadOnlySpan<float> gallery, int dim, int k,
        bool excludeSelf, NeighbourBlockHandler handler, KnnOptions? options = null) =>
        Search(queries, gallery, dim, k, excludeSelf, handler, options ?? KnnOptions.Default, RunningTopK.Best);

    /// <summary>Number of neighbours a query can have: Ng, or Ng − 1 when it is excluded from its own result.</summary>
    public static int Available(int galleryCount, bool excludeSelf) => Math.Max(0, galleryCount - (excludeSelf ? 1 : 0));

    internal static void Search(ReadOnlySpan<float> queries, ReadOnlySpan<float> gallery, int dim, int k,
        bool excludeSelf, NeighbourBlockHandler handler, KnnOptions options, ScanWidth width)
    {
        ArgumentNullException.ThrowIfNull(handler);
        int nq = CheckRows(queries, dim, "queries");
        int ng = CheckRows(gallery, dim, "gallery");
        if (excludeSelf && nq != ng)
            throw new ArgumentException($"k-NN with self-exclusion needs the queries to be the gallery: {nq} queries, {ng} gallery rows");
        int available = Available(ng, excludeSelf);
        if (k < 1 || k > available)
            throw new ArgumentOutOfRangeException(nameof(k), k,
                $"k-NN: k must be between 1 and the {available} gallery items available per query");
        if (options.QueryBlock < 1 || options.GalleryBlock < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "k-NN block sizes must be positive");
        if (nq == 0) return;

        int qb = Math.Min(options.QueryBlock, (nq + Workers.Threads - 1) / Workers.Threads);
        int gb = Math.Min(options.GalleryBlock, ng);
        int blocks = (nq + qb - 1) / qb;
        var spare = new ConcurrentBag<Workspace>();
        fixed (float* pq = queries, pg = gallery)
        {
            nint q = (nint)pq, g = (nint)pg;
            try
            {
                Workers.Chunks(blocks, b =>
                {
                    if (!spare.TryTake(out var ws)) ws = new Workspace(qb, gb, k);
                    int q0 = b * qb, rows = Math.Min(qb, nq - q0);
                    SearchBlock((float*)q, q0, rows, (float*)g, ng, dim, k, excludeSelf, ws, width);
                    handler(q0, rows, k, ws.Indices.AsSpan(0, rows * k), ws.Similarities.AsSpan(0, rows * k));
                    spare.Add(ws);
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }
    }

    // Rows [q0, q0 + rows) of Q against the whole gallery, block by block; leaves the result in ws.
    private static void SearchBlock(float* q, int q0, int rows, float* g, int ng, int dim, int k,
        bool excludeSelf, Workspace ws, ScanWidth width)
    {
        ws.TopK.Reset(rows);
        int gb = ws.GalleryBlock;
        fixed (float* s = ws.Scores)
        {
            for (int g0 = 0; g0 < ng; g0 += gb)
            {
                int cols = Math.Min(gb, ng - g0);
                // S[rows × cols] = Q[q0:q0+rows] · G[g0:g0+cols]ᵀ
                Gemm.Multiply(false, true, rows, cols, dim, 1f, q + (long)q0 * dim, dim, g + (long)g0 * dim, dim, 0f, s, cols);
                for (int r = 0; r < rows; r++)
                {
                    var row = new Span<float>(s + (long)r * cols, cols);
                    int self = q0 + r - g0;
                    if (excludeSelf && (uint)self < (uint)cols) row[self] = float.NegativeInfinity;
                    ws.TopK.Scan(r, row, g0, width);
                }
            }
        }
        for (int r = 0; r < rows; r++)
        {
            int found = ws.TopK.Finish(r, ws.Indices.AsSpan(r * k, k), ws.Similarities.AsSpan(r * k, k));
            if (found < k)
                throw new InvalidOperationException(
                    $"k-NN: query {q0 + r} has only {found} neighbours with a comparable similarity (expected {k}); embeddings must be finite");
        }
    }

    private static int CheckMatrices(Tensor queries, Tensor gallery)
    {
        if (queries.Rank != 2 || gallery.Rank != 2 || queries.Dim(1) != gallery.Dim(1))
            throw new ArgumentException(
                $"k-NN needs queries [Nq, D] and gallery [Ng, D] with the same D; got {Shapes.Format(queries.Shape)} and {Shapes.Format(gallery.Shape)}");
        return queries.Dim(1);
    }

    private static int CheckRows(ReadOnlySpan<float> data, int dim, string what)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "k-NN: the embedding dimension must be positive");
        if (data.Length % dim != 0)
            throw new ArgumentException($"k-NN: {what} hold {data.Length} values, not a multiple of the dimension {dim}");
        return data.Length / dim;
    }

    /// <summary>One task's buffers, reused from block to block.</summary>
    private sealed class Workspace(int queryBlock, int galleryBlock, int k)
    {
        public int GalleryBlock { get; } = galleryBlock;
        public float[] Scores { get; } = GC.AllocateUninitializedArray<float>(queryBlock * galleryBlock);
        public RunningTopK TopK { get; } = new(queryBlock, k);
        public int[] Indices { get; } = new int[queryBlock * k];
        public float[] Similarities { get; } = new float[queryBlock * k];
    }
}
