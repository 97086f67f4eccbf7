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
        if (!excludeSelf && nq < Workers.Threads && ng > gb)
        {
            SearchSplitGallery(queries, gallery, dim, k, handler, gb, width);
            return;
        }
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

    /// <summary>
    /// Fewer queries than threads (a service's one query at a time): parallel over parts of the gallery instead of
    /// blocks of queries, which left all but one thread idle while one scanned the whole gallery (155 ms a query at
    /// 1,000,000 × 128 on one thread, 75 ms split over two: the time goes into reading the gallery). Parts are whole gallery blocks, each query is scored one row at a
    /// time exactly as the query-block path scores it (the same GEMM calls over the same blocks, so the same bits),
    /// and the parts' top-k are merged by the same key order (<see cref="NeighbourKey"/>): the result is the
    /// query-block path's, whatever the thread count.
    /// </summary>
    private static void SearchSplitGallery(ReadOnlySpan<float> queries, ReadOnlySpan<float> gallery, int dim, int k,
        NeighbourBlockHandler handler, int gb, ScanWidth width)
    {
        int nq = queries.Length / dim, ng = gallery.Length / dim;
        int galleryBlocks = (ng + gb - 1) / gb;
        int blocksPerPart = (galleryBlocks + Workers.Threads - 1) / Workers.Threads;
        int parts = (galleryBlocks + blocksPerPart - 1) / blocksPerPart;
        var keys = new ulong[parts][];
        var found = new int[parts * nq];
        fixed (float* pq = queries, pg = gallery)
        {
            nint q = (nint)pq, g = (nint)pg;
            try
            {
                Workers.Chunks(parts, p =>
                {
                    int start = p * blocksPerPart * gb, rows = Math.Min(blocksPerPart * gb, ng - start), kp = Math.Min(k, rows);
                    var ws = new Workspace(1, gb, kp);
                    var partKeys = new ulong[nq * kp];
                    for (int r = 0; r < nq; r++)
                    {
                        SearchBlock((float*)q, r, 1, (float*)g + (long)start * dim, rows, dim, kp, false, ws, width);
                        for (int j = 0; j < kp; j++) partKeys[r * kp + j] = NeighbourKey.Encode(ws.Similarities[j], start + ws.Indices[j]);
                        found[p * nq + r] = kp;
                    }
                    keys[p] = partKeys;
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }
        var indices = new int[nq * k];
        var similarities = new float[nq * k];
        for (int r = 0; r < nq; r++)
        {
            var merged = new List<ulong>();
            for (int p = 0; p < parts; p++) merged.AddRange(keys[p].AsSpan(r * found[p * nq + r], found[p * nq + r]));
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(merged);
            TopKSelect.SortDescending(span);
            for (int j = 0; j < k; j++)
            {
                indices[r * k + j] = NeighbourKey.Index(span[j]);
                similarities[r * k + j] = NeighbourKey.Similarity(span[j]);
            }
        }
        handler(0, nq, k, indices, similarities);
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
