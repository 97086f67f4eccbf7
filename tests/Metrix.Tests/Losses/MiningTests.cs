using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tests;

/// <summary>
/// Multi-similarity pair mining (<see cref="MultiSimilarityMiner"/>) against float64 references written from
/// pytorch-metric-learning's MultiSimilarityMiner rule and its losses' way of taking mined pairs
/// (tools/fixtures/mining_methods.py): the kept pairs exactly, the mined multi-similarity and contrastive losses and
/// their gradients (relative 1e-4, absolute 1e-5), four batches (ε 0.1, 0.39, 0; one with a class of one example).
/// </summary>
public sealed class MiningTests
{
    private static readonly int[] Seeds = [1, 2, 3, 4];

    [Fact]
    public void The_miner_keeps_the_pairs_of_pytorch_metric_learnings_rule()
    {
        var f = Fixtures.Load("mining/ms_miner").Tensors;
        foreach (int seed in Seeds)
        {
            string s = $"s{seed}.";
            int[] labels = LossParityTests.Ints(f[s + "labels"]);
            int n = labels.Length;
            var mined = MultiSimilarityMiner.Mine(f[s + "embeddings"], labels, f[s + "epsilon"].Item());
            var keep = f[s + "keep"].ToArray();
            int dropped = 0;
            for (int k = 0; k < mined.Pairs.Count; k++)
            {
                int a = mined.Pairs.Anchor[k], j = mined.Pairs.Candidate[k];
                Assert.True((keep[a * n + j] > 0.5f) == mined.Pairs.Keep![k], $"s{seed}: pair ({a}, {j})");
                if (!mined.Pairs.Keep[k]) dropped++;
                Assert.Equal(mined.Pairs.Keep[k] && labels[a] == labels[j], mined.Positives[a].Contains(j));
                Assert.Equal(mined.Pairs.Keep[k] && labels[a] != labels[j], mined.Negatives[a].Contains(j));
            }
            Assert.True(dropped > 0, $"s{seed}: the batch should exercise the rule (nothing dropped)");
        }
    }

    [Theory]
    [InlineData("ms")]
    [InlineData("contrastive")]
    public void The_mined_loss_and_its_gradient_match_pytorch_metric_learning(string reference)
    {
        var f = Fixtures.Load("mining/ms_miner").Tensors;
        foreach (int seed in Seeds)
        {
            string s = $"s{seed}.";
            int[] labels = LossParityTests.Ints(f[s + "labels"]);
            var e = Tensor.FromArray(f[s + "embeddings"].Span, f[s + "embeddings"].ShapeArray()).RequireGrad();
            PairLoss loss = reference == "ms" ? new MultiSimilarityLoss() : new ContrastiveLoss();
            var value = loss.Compute(e, e, MultiSimilarityMiner.Mine(e, labels, f[s + "epsilon"].Item()).Pairs);
            double want = f[s + reference + ".loss"].Item();
            Assert.True(Math.Abs(want - value.Item()) <= 1e-4 * Math.Abs(want) + 1e-5, $"{reference} s{seed}: {value.Item()} against {want}");
            value.Backward();
            TensorAssert.Close(f[s + reference + ".grad_embeddings"], e.Grad!, 1e-4, 1e-5, $"{reference} s{seed}: gradient");
        }
    }

    [Fact]
    public void The_mined_loss_gradient_matches_finite_differences()
    {
        int[] labels = [0, 0, 0, 1, 1, 1, 2, 2];
        var x = new Rng(11).Normal([8, 5]).RequireGrad();
        // The mined set is fixed once (the miner runs without gradient); only the loss is differentiated.
        var mined = MultiSimilarityMiner.Mine(Ops.L2Normalize(x.Detach()), labels, 0.1);
        Assert.Contains(false, mined.Pairs.Keep!);
        foreach (var loss in new PairLoss[] { new MultiSimilarityLoss(), new ContrastiveLoss(), new BinomialDevianceLoss() })
            GradCheck.Check(t => { var u = Ops.L2Normalize(t[0]); return loss.Compute(u, u, mined.Pairs); }, [x], eps: 1e-3, rtol: 2e-2, atol: 1e-3);
    }

    [Fact]
    public void A_large_epsilon_keeps_every_pair_and_gives_the_unmined_loss()
    {
        int[] labels = [0, 0, 1, 1, 2, 2];
        var e = Ops.L2Normalize(new Rng(3).Normal([6, 4]));
        var mined = MultiSimilarityMiner.Mine(e, labels, MultiSimilarityMiner.MaxEpsilon);
        Assert.All(mined.Pairs.Keep!, Assert.True);
        var loss = new MultiSimilarityLoss();
        Assert.Equal(loss.Clean(e, labels).Item(), loss.Compute(e, e, mined.Pairs).Item(), 6);
    }

    [Fact]
    public void A_batch_without_positive_pairs_keeps_nothing()
    {
        var mined = MultiSimilarityMiner.Mine(Ops.L2Normalize(new Rng(3).Normal([4, 4])), [0, 1, 2, 3], 0.39);
        Assert.All(mined.Pairs.Keep!, Assert.False);
        Assert.Equal(0, new MultiSimilarityLoss().Compute(Tensor.Zeros(4, 4), Tensor.Zeros(4, 4), mined.Pairs).Item(), 9);
    }

    [Fact]
    public void Epsilon_outside_its_range_is_refused()
    {
        var e = Ops.L2Normalize(new Rng(3).Normal([4, 4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiSimilarityMiner.Mine(e, [0, 0, 1, 1], -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiSimilarityMiner.Mine(e, [0, 0, 1, 1], 2.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiSimilarityMiner.Mine(e, [0, 0, 1, 1], double.NaN));
    }

    /// <summary>
    /// With mining the objective's clean loss is the mined loss, and the mixes are drawn from the mined pairs only:
    /// every pos-neg mix of anchor a blends a kept positive with a kept negative of a, every anc-neg mix a kept negative.
    /// </summary>
    [Theory]
    [InlineData(PairSet.PosNeg)]
    [InlineData(PairSet.AncNeg)]
    public void With_mining_the_objective_mixes_only_mined_pairs(PairSet set)
    {
        int[] labels = [0, 0, 0, 1, 1, 1, 2, 2];
        var net = new EmbeddingNet("resnet18", 8, true, new Rng(1), width: 4);
        net.FreezeBatchNorm();
        using var scope = new TensorScope();
        var images = new Rng(3).Normal([8, 3, 32, 32]);
        var options = new MixupOptions(MixMode.Embed, [set], MinerEpsilon: 0.05);
        var step = MetrixObjective.Compute(net, images, labels, new MultiSimilarityLoss(), options, new Rng(4), recordPairs: true);
        var embeddings = net.Forward(images);
        var mined = MultiSimilarityMiner.Mine(embeddings, labels, 0.05);
        Assert.Contains(false, mined.Pairs.Keep!);
        // The same forward pass gives the same bits: the clean loss is the mined one exactly, not the unmined one
        // (the dropped pairs are the easy ones, so the two differ only in the sixth digit on this batch).
        Assert.Equal(new MultiSimilarityLoss().Compute(embeddings, embeddings, mined.Pairs).Item(), step.CleanLoss, 9);
        Assert.NotEqual(new MultiSimilarityLoss().Clean(embeddings, labels).Item(), step.CleanLoss, 9);
        // Rebuild the plan the objective drew (same rng sequence) and check its pairs against the mined sets.
        var rng = new Rng(4);
        float lambda = (float)rng.Beta(options.Alpha, options.Alpha);
        rng.NextInt(1);
        var plan = MixPlan.Create(set, labels, lambda, rng, mined.Negatives, mined.Positives);
        Assert.Equal(plan.Pairs.Count, step.MixedPairs!.Value.Labels.Length);
        Assert.True(plan.Count > 0);
        for (int k = 0; k < plan.Pairs.Count; k++)
        {
            int a = plan.Pairs.Anchor[k], m = plan.Pairs.Candidate[k];
            if (set == PairSet.PosNeg) Assert.Contains(plan.First[m], mined.Positives[a]);
            else Assert.Equal(a, plan.First[m]);
            Assert.Contains(plan.Second[m], mined.Negatives[a]);
        }
        int unmined = MixPlan.Create(set, labels, lambda, new Rng(9)).Pairs.Count;
        Assert.True(plan.Pairs.Count < unmined, $"mining should drop mixes: {plan.Pairs.Count} of {unmined}");
    }
}
