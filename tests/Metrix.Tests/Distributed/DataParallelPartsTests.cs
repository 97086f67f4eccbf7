using Metrix.Distributed;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tests;

/// <summary>The parts of data-parallel training on their own: shards, the differentiable gather, the gradient sum.</summary>
public sealed class DataParallelPartsTests
{
    private static readonly int[] Balanced = [7, 7, 7, 2, 2, 2, 9, 9, 9, 4, 4, 4];

    [Fact]
    public void Shards_hold_whole_classes_when_they_divide_evenly_and_even_rows_otherwise()
    {
        Assert.Equal([new BatchShard(0, 6), new BatchShard(6, 6)], BatchShard.Split(Balanced, 2));
        Assert.Equal([new BatchShard(0, 3), new BatchShard(3, 3), new BatchShard(6, 3), new BatchShard(9, 3)], BatchShard.Split(Balanced, 4));
        // Four classes over three ranks: rows split evenly, classes cut.
        Assert.Equal([new BatchShard(0, 4), new BatchShard(4, 4), new BatchShard(8, 4)], BatchShard.Split(Balanced, 3));
        // Unequal runs (a shuffled batch): even rows, the longer shards last.
        Assert.Equal([new BatchShard(0, 2), new BatchShard(2, 3)], BatchShard.Split([1, 1, 2, 3, 3], 2));
        Assert.Equal(new BatchShard(0, 12), BatchShard.For(Balanced, 0, 1));
        var e = Assert.Throws<ArgumentException>(() => BatchShard.Split([1, 2], 3));
        Assert.Contains("--batch_size", e.Message);
    }

    [Fact]
    public void The_gather_concatenates_in_rank_order_and_returns_each_rank_the_gradient_of_its_rows()
    {
        var group = new ThreadGroup(3);
        int[] rows = [1, 2, 1];
        var results = group.Run(comm =>
        {
            int start = rows.Take(comm.Rank).Sum();
            var local = Tensor.FromArray(Enumerable.Range(start * 2, rows[comm.Rank] * 2).Select(v => (float)v).ToArray(), rows[comm.Rank], 2).RequireGrad();
            var all = GroupOps.GatherRows(comm, local, rows);
            // Loss Σ (k + 1)·all[k]: its gradient is k + 1 at flat position k.
            var weights = Tensor.FromArray(Enumerable.Range(1, 8).Select(v => (float)v).ToArray(), 4, 2);
            Ops.Sum(Ops.Mul(all, weights)).Backward();
            return (All: all.ToArray(), Grad: local.Grad!.ToArray());
        });
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(Enumerable.Range(0, 8).Select(v => (float)v), results[r].All);
            int start = rows.Take(r).Sum();
            Assert.Equal(Enumerable.Range(start * 2 + 1, rows[r] * 2).Select(v => (float)v), results[r].Grad);
        }
    }

    [Fact]
    public void The_gradient_sum_adds_contributions_and_leaves_replicated_gradients_whole()
    {
        var group = new ThreadGroup(2);
        var results = group.Run(comm =>
        {
            var body = Tensor.Zeros(2).RequireGrad();
            body.Grad = Tensor.FromArray(comm.Rank == 0 ? [1f, 2f] : [3f, 4f]);
            var proxies = Tensor.Zeros(1).RequireGrad();
            proxies.Grad = Tensor.FromArray(5f);
            var onlyRank0 = Tensor.Zeros(1).RequireGrad();
            if (comm.Rank == 0) onlyRank0.Grad = Tensor.FromArray(6f);
            var unused = Tensor.Zeros(1).RequireGrad();
            new GradientSum(comm, [proxies]).AfterBackward([body, proxies, onlyRank0, unused]);
            return (Body: body.Grad.ToArray(), Proxies: proxies.Grad.ToArray(), OnlyRank0: onlyRank0.Grad?.ToArray(), Unused: unused.Grad);
        });
        foreach (var r in results)
        {
            Assert.Equal([4f, 6f], r.Body);
            // The loss's proxies have their whole gradient on every rank already: summed, they would count twice.
            Assert.Equal([5f], r.Proxies);
            Assert.Equal([6f], r.OnlyRank0!);
            Assert.Null(r.Unused);
        }
    }

    [Fact]
    public void Synchronised_batch_norm_normalises_by_the_whole_batch_and_keeps_each_rank_its_share_of_the_affine_gradient()
    {
        var rng = new Rng(5);
        var x = rng.Normal([4, 3, 2, 2]);
        var upstream = rng.Normal([4, 3, 2, 2]);
        var gamma = rng.Normal([3]);
        var beta = rng.Normal([3]);
        (float[] Y, float[] Gx, float[] Gg, float[] Gb, float[] Mean, float[] Var) Run(Tensor rows, Tensor g, Action<Span<double>>? groupSum)
        {
            var input = rows.Detach().RequireGrad();
            var w = gamma.Detach().RequireGrad();
            var b = beta.Detach().RequireGrad();
            var mean = Tensor.Zeros(3);
            var variance = Tensor.Ones(3);
            var y = Ops.BatchNorm2d(input, w, b, mean, variance, training: true, groupSum: groupSum);
            Ops.Sum(Ops.Mul(y, g)).Backward();
            return (y.ToArray(), input.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray(), mean.ToArray(), variance.ToArray());
        }
        var single = Run(x, upstream, null);
        var ranks = new ThreadGroup(2).Run(comm =>
        {
            int plane = 3 * 2 * 2, start = comm.Rank * 2;
            var rows = Tensor.FromArray(x.Span.Slice(start * plane, 2 * plane), 2, 3, 2, 2);
            var g = Tensor.FromArray(upstream.Span.Slice(start * plane, 2 * plane), 2, 3, 2, 2);
            return Run(rows, g, comm.AllReduceSum);
        });
        TensorAssert.Close(single.Y, [.. ranks[0].Y, .. ranks[1].Y], rtol: 1e-5, atol: 1e-6, what: "output");
        TensorAssert.Close(single.Gx, [.. ranks[0].Gx, .. ranks[1].Gx], rtol: 1e-5, atol: 1e-6, what: "input gradient");
        // γ and β: each rank's share, which the gradient exchange sums.
        TensorAssert.Close(single.Gg, ranks[0].Gg.Zip(ranks[1].Gg, (a, b) => a + b).ToArray(), rtol: 1e-5, atol: 1e-6, what: "γ gradient");
        TensorAssert.Close(single.Gb, ranks[0].Gb.Zip(ranks[1].Gb, (a, b) => a + b).ToArray(), rtol: 1e-5, atol: 1e-6, what: "β gradient");
        Assert.NotEqual(single.Gb, ranks[0].Gb);
        foreach (var r in ranks)
        {
            TensorAssert.Close(single.Mean, r.Mean, rtol: 1e-6, atol: 1e-7, what: "running mean");
            TensorAssert.Close(single.Var, r.Var, rtol: 1e-6, atol: 1e-7, what: "running variance");
        }
    }
}
