using Metrix.Tensors;

namespace Metrix.Distributed;

/// <summary>Differentiable collectives over a data-parallel group.</summary>
public static class GroupOps
{
    /// <summary>
    /// All-gather of rows: every rank passes its <paramref name="local"/> rows [n_r, …] (null when
    /// <paramref name="rows"/>[rank] is 0) and gets the rows of all ranks concatenated in rank order,
    /// [Σ n_r, …] with row shape <paramref name="rowShape"/>, the same values on every rank. Backward: every rank
    /// computes the same loss on the gathered rows, so the gradient of the gathered tensor is the whole gradient on
    /// every rank; the gradient of this rank's rows is its slice, and no communication is needed.
    /// </summary>
    public static Tensor GatherRows(ICommunicator group, Tensor? local, ReadOnlySpan<int> rows, ReadOnlySpan<int> rowShape)
    {
        int rank = group.Rank, width = 1, total = 0, offset = 0;
        foreach (int d in rowShape) width *= d;
        if (rows.Length != group.Size) throw new ArgumentException($"rows has {rows.Length} entries for {group.Size} ranks", nameof(rows));
        var counts = new int[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            if (r == rank) offset = total;
            total += rows[r];
            counts[r] = checked(rows[r] * width);
        }
        if (rows[rank] > 0 && (local is null || local.Dim(0) != rows[rank] || local.Size != counts[rank]))
            throw new ArgumentException($"rank {rank} must send {rows[rank]} rows of {width} values", nameof(local));
        var shape = new int[rowShape.Length + 1];
        shape[0] = total;
        rowShape.CopyTo(shape.AsSpan(1));
        var all = Tensor.Empty(shape);
        group.AllGather(rows[rank] == 0 ? ReadOnlySpan<float>.Empty : local!.Span, all.Span, counts);
        if (local is null || rows[rank] == 0) return all;
        int start = offset * width, length = counts[rank];
        return Autograd.Record(all, "all_gather_rows", (g, grads) =>
        {
            var mine = local.EmptyLike();
            g.Span.Slice(start, length).CopyTo(mine.Span);
            grads.Take(local, mine);
        }, local);
    }

    /// <summary><see cref="GatherRows(ICommunicator, Tensor?, ReadOnlySpan{int}, ReadOnlySpan{int})"/> for rows that are <paramref name="local"/>'s [n_r, …] shape.</summary>
    public static Tensor GatherRows(ICommunicator group, Tensor local, ReadOnlySpan<int> rows) =>
        GatherRows(group, local, rows, local.Shape[1..]);
}
