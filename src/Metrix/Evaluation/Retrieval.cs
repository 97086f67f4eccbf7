using Metrix.Tensors;

namespace Metrix.Evaluation;

/// <summary>
/// Recall@K (and MAP@R) of embeddings under a <see cref="RetrievalProtocol"/>, streamed from <see cref="Knn"/>:
/// only first-hit ranks are kept, so memory does not grow with the number of queries times K.
/// </summary>
public static class Retrieval
{
    /// <summary>
    /// Evaluates <paramref name="queries"/> [Nq × D] with labels <paramref name="queryLabels"/>. Self protocols
    /// (CUB, Cars, SOP, emoji) search the queries among themselves, each excluding its own index, and take no
    /// gallery; query-vs-gallery protocols (In-Shop) need <paramref name="gallery"/> and <paramref name="galleryLabels"/>.
    /// </summary>
    public static RetrievalResult Evaluate(RetrievalProtocol protocol, Tensor queries, ReadOnlySpan<int> queryLabels,
        Tensor? gallery = null, ReadOnlySpan<int> galleryLabels = default, bool mapAtR = false, KnnOptions? options = null)
    {
        if (queries.Rank != 2) throw new ArgumentException($"evaluation needs queries [N, D]; got {Shapes.Format(queries.Shape)}", nameof(queries));
        if (gallery is not null && (gallery.Rank != 2 || gallery.Dim(1) != queries.Dim(1)))
            throw new ArgumentException($"evaluation needs a gallery [Ng, {queries.Dim(1)}]; got {Shapes.Format(gallery.Shape)}", nameof(gallery));
        return Evaluate(protocol, queries.Span, queryLabels, gallery is null ? default : gallery.Span, galleryLabels,
            queries.Dim(1), mapAtR, options);
    }

    /// <summary><see cref="Evaluate(RetrievalProtocol, Tensor, ReadOnlySpan{int}, Tensor?, ReadOnlySpan{int}, bool, KnnOptions?)"/> on row-major spans with <paramref name="dim"/> columns.</summary>
    public static RetrievalResult Evaluate(RetrievalProtocol protocol, ReadOnlySpan<float> queries, ReadOnlySpan<int> queryLabels,
        ReadOnlySpan<float> gallery, ReadOnlySpan<int> galleryLabels, int dim, bool mapAtR = false, KnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        bool self = !protocol.QueryVsGallery;
        if (self && !gallery.IsEmpty)
            throw new ArgumentException($"the {protocol.Name} protocol searches the test set against itself and takes no gallery", nameof(gallery));
        if (!self && gallery.IsEmpty)
            throw new ArgumentException($"the {protocol.Name} protocol searches queries in a gallery: give the gallery embeddings", nameof(gallery));
        if (self)
        {
            gallery = queries;
            galleryLabels = queryLabels;
        }
        int nq = CountRows(queries, dim, queryLabels.Length, "query");
        int ng = CountRows(gallery, dim, galleryLabels.Length, "gallery");
        int available = Knn.Available(ng, self);
        if (nq == 0 || available == 0)
            throw new ArgumentException($"evaluation needs at least one query and one other gallery item; got {nq} queries and {ng} gallery items");

        var qLabels = queryLabels.ToArray();
        var gLabels = galleryLabels.ToArray();
        var counts = RetrievalMetrics.LabelCounts(gLabels);
        int maxR = mapAtR ? qLabels.Max(l => RetrievalMetrics.References(counts, l, self)) : 0;
        int k = Math.Min(available, Math.Max(protocol.Ks.Max(), maxR));

        var firstHits = new int[nq];
        var precision = mapAtR ? new double[nq] : null;
        Knn.Search(queries, gallery, dim, k, self, (first, count, kk, indices, _) =>
        {
            for (int i = 0; i < count; i++)
            {
                int q = first + i;
                var row = indices.Slice(i * kk, kk);
                firstHits[q] = RetrievalMetrics.FirstHit(row, gLabels, qLabels[q]);
                if (precision is not null)
                    precision[q] = RetrievalMetrics.AveragePrecisionAtR(row, gLabels, qLabels[q],
                        RetrievalMetrics.References(counts, qLabels[q], self));
            }
        }, options);

        double? map = null;
        if (precision is not null)
        {
            double sum = 0;
            int used = 0;
            for (int q = 0; q < nq; q++)
            {
                if (RetrievalMetrics.References(counts, qLabels[q], self) == 0) continue;
                sum += precision[q];
                used++;
            }
            map = used == 0 ? 0 : sum / used;
        }
        return new RetrievalResult([.. protocol.Ks], RetrievalMetrics.RecallFromFirstHits(firstHits, protocol.Ks), map, nq);
    }

    private static int CountRows(ReadOnlySpan<float> data, int dim, int labels, string what)
    {
        if (dim < 1 || data.Length % dim != 0)
            throw new ArgumentException($"{what} embeddings: {data.Length} values do not form rows of dimension {dim}");
        int rows = data.Length / dim;
        if (rows != labels)
            throw new ArgumentException($"{what} embeddings: {rows} rows but {labels} labels");
        return rows;
    }
}
