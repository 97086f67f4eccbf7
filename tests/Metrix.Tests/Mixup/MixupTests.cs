using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tests;

public sealed class MixupTests
{
    private static readonly int[] Labels = [0, 0, 0, 1, 1, 1, 2, 2];

    [Fact]
    public void A_posneg_mix_with_lambda_one_is_a_clean_positive_and_with_zero_a_clean_negative()
    {
        var rng = new Rng(5);
        var e = Ops.L2Normalize(rng.Normal([8, 6]));
        foreach (var loss in new PairLoss[] { new ContrastiveLoss(), new MultiSimilarityLoss() })
            foreach (float lambda in new[] { 1f, 0f })
            {
                var plan = MixPlan.Create(PairSet.PosNeg, Labels, lambda, rng);
                var mixed = MixOps.MixRows(e, plan.First, plan.Second, lambda);
                // The same pairs, with the clean example the mix collapses to and its hard label.
                var clean = new Pairs(plan.Pairs.Anchor, plan.Pairs.Candidate.Select(m => lambda == 1 ? plan.First[m] : plan.Second[m]).ToArray(),
                    plan.Pairs.Anchor.Select(_ => lambda).ToArray());
                Assert.Equal(loss.Compute(e, e, clean).Item(), loss.Compute(e, mixed, plan.Pairs).Item(), 5);
                Assert.All(plan.Pairs.Label, y => Assert.Equal(lambda, y));
            }
    }

    [Fact]
    public void Pospos_has_no_negative_term_and_negneg_no_positive_term()
    {
        var rng = new Rng(6);
        var e = Ops.L2Normalize(rng.Normal([8, 6]));
        var pospos = MixPlan.Create(PairSet.PosPos, Labels, 0.3f, rng);
        var negneg = MixPlan.Create(PairSet.NegNeg, Labels, 0.3f, rng);
        Assert.All(pospos.Pairs.Label, y => Assert.Equal(1f, y));
        Assert.All(negneg.Pairs.Label, y => Assert.Equal(0f, y));
        for (int k = 0; k < pospos.Pairs.Count; k++)
        {
            int a = pospos.Pairs.Anchor[k], m = pospos.Pairs.Candidate[k];
            Assert.Equal(Labels[a], Labels[pospos.First[m]]);
            Assert.Equal(Labels[a], Labels[pospos.Second[m]]);
            Assert.NotEqual(a, pospos.First[m]);
        }
        for (int k = 0; k < negneg.Pairs.Count; k++)
        {
            int a = negneg.Pairs.Anchor[k], m = negneg.Pairs.Candidate[k];
            Assert.NotEqual(Labels[a], Labels[negneg.First[m]]);
            Assert.NotEqual(Labels[a], Labels[negneg.Second[m]]);
        }
        // Pos-pos mixes carry only positive terms (∂ℓ̃/∂s ≤ 0), neg-neg mixes only negative ones (∂ℓ̃/∂s ≥ 0).
        var ms = new MultiSimilarityLoss();
        var grad = new double[pospos.Pairs.Count];
        ms.Compute(e, MixOps.MixRows(e, pospos.First, pospos.Second, 0.3f), pospos.Pairs, grad);
        Assert.All(grad, g => Assert.True(g <= 0));
        grad = new double[negneg.Pairs.Count];
        ms.Compute(e, MixOps.MixRows(e, negneg.First, negneg.Second, 0.3f), negneg.Pairs, grad);
        Assert.All(grad, g => Assert.True(g >= 0));
    }

    [Fact]
    public void Posneg_and_ancneg_cover_every_pair_of_the_paper()
    {
        var rng = new Rng(7);
        var posneg = MixPlan.Create(PairSet.PosNeg, Labels, 0.5f, rng);
        // Anchor a: |P(a)| × |N(a)| mixes: 2 × 5 for the 3-member classes, 1 × 6 for class 2.
        Assert.Equal(6 * 2 * 5 + 2 * 1 * 6, posneg.Pairs.Count);
        var ancneg = MixPlan.Create(PairSet.AncNeg, Labels, 0.5f, rng);
        Assert.Equal(6 * 5 + 2 * 6, ancneg.Pairs.Count);
        Assert.Equal(ancneg.Count, ancneg.Pairs.Count);
    }

    [Fact]
    public void Mixed_pool_equals_pooling_materialised_mixes_and_its_gradient_checks()
    {
        var rng = new Rng(8);
        var f = rng.Normal([4, 3, 2, 3]).RequireGrad();
        int[] i = [0, 1, 3, 2], j = [2, 3, 0, 0];
        float lambda = 0.35f;
        var fused = MixOps.MixedPool(f, i, j, lambda);
        var explicitPool = EmbeddingNet.Pool(MixOps.MixRows(f, i, j, lambda));
        TensorAssert.Close(explicitPool, fused, 1e-5, 1e-6);
        GradCheck.Check(t => MixOps.MixedPool(t[0], i, j, lambda), [f], eps: 1e-3);
        GradCheck.Check(t => MixOps.MixRows(t[0], i, j, lambda), [rng.Normal([4, 5]).RequireGrad()], eps: 1e-2);
    }

    [Theory]
    [InlineData(5, 19, 2, 2)] // vectors of 8 channels and a tail, the masked backward (4 taps)
    [InlineData(4, 17, 3, 3)] // 9 taps: the scalar backward
    [InlineData(3, 16, 1, 2)]
    public void Mixed_pool_matches_materialised_mixes_on_vector_widths(int n, int c, int h, int w)
    {
        var rng = new Rng(9);
        var f = rng.Normal([n, c, h, w]).RequireGrad();
        int[] i = [0, 1, n - 1, 2, 0, 1], j = [2, n - 1, 0, 0, 1, 2];
        float lambda = 0.6f;
        var fused = MixOps.MixedPool(f, i, j, lambda);
        var explicitPool = EmbeddingNet.Pool(MixOps.MixRows(f, i, j, lambda));
        TensorAssert.Close(explicitPool, fused, 1e-5, 1e-6);
        var gy = rng.Normal([i.Length, c]);
        fused.Backward(gy);
        var fusedGrad = f.Grad!.ToArray();
        f.Grad = null;
        EmbeddingNet.Pool(MixOps.MixRows(f, i, j, lambda)).Backward(gy);
        TensorAssert.Close(f.Grad!.ToArray(), fusedGrad, 1e-5, 1e-6);
    }

    [Fact]
    public void Mixed_pool_backward_outside_a_scope_survives_a_collection_after_the_forward()
    {
        // Outside a TensorScope nothing but the backward closure holds the forward's arg-max taps; a collection
        // between the passes must not free them (the backward reads them through a raw pointer).
        var rng = new Rng(4);
        var f = rng.Normal([6, 40, 2, 2]).RequireGrad();
        int[] i = [0, 1, 2, 3, 4, 5], j = [5, 4, 3, 2, 1, 0];
        var gy = rng.Normal([6, 40]);
        var y = MixOps.MixedPool(f, i, j, 0.3f);
        var expected = EmbeddingNet.Pool(MixOps.MixRows(f, i, j, 0.3f));
        for (int round = 0; round < 5; round++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            for (int k = 0; k < 200; k++) GC.AllocateArray<float>(6 * 40, pinned: true).AsSpan().Fill(float.MaxValue);
        }
        y.Backward(gy);
        var fusedGrad = f.Grad!.ToArray();
        f.Grad = null;
        expected.Backward(gy);
        TensorAssert.Close(f.Grad!.ToArray(), fusedGrad, 1e-5, 1e-6);
    }

    [Theory]
    [InlineData(MixMode.Baseline)]
    [InlineData(MixMode.Embed)]
    [InlineData(MixMode.Feature)]
    [InlineData(MixMode.Input)]
    public void The_objective_runs_every_mode_with_every_loss_and_is_deterministic(MixMode mode)
    {
        foreach (var name in new[] { "contrastive", "multisimilarity", "proxyanchor", "proxynca++" })
        {
            double Run()
            {
                var net = new EmbeddingNet("resnet18", 8, true, new Rng(1), width: 4);
                net.FreezeBatchNorm();
                var loss = LossFactory.Create(name, 3, 8, new Rng(2));
                using var scope = new TensorScope();
                var images = new Rng(3).Normal([8, 3, 32, 32]);
                var step = MetrixObjective.Compute(net, images, Labels, loss, new MixupOptions(mode), new Rng(4));
                step.Loss.Backward();
                Assert.True(double.IsFinite(step.Loss.Item()));
                Assert.Equal(mode == MixMode.Baseline, step.MixedLoss is null);
                return step.Loss.Item() + net.Embedding.Weight.Grad!.ToArray().Sum();
            }
            Assert.Equal(Run(), Run());
        }
    }
}
