using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tests;

/// <summary>
/// The methods of the paper's Table 3 (<see cref="ComparedMethods"/>) against float64 references written from
/// each method's own description and code (tools/fixtures/mining_methods.py): the mixes they build, the loss and its
/// gradients (relative 1e-4, absolute 1e-5); gradients against finite differences; and the objective running each.
/// </summary>
public sealed class ComparedMethodsTests
{
    private static Tensor Leaf(Tensor t) => Tensor.FromArray(t.Span, t.ShapeArray()).RequireGrad();

    private static void Close(double want, double got, string what) =>
        Assert.True(Math.Abs(want - got) <= 1e-4 * Math.Abs(want) + 1e-5, $"{what}: {got} against {want}");

    [Fact]
    public void IMix_pairs_loss_and_gradients_match_the_reference()
    {
        var f = Fixtures.Load("mining/imix").Tensors;
        foreach (int seed in new[] { 1, 2 })
        {
            string s = $"s{seed}.";
            int[] labels = LossParityTests.Ints(f[s + "labels"]);
            var e = Leaf(f[s + "embeddings"]);
            var mixed = Leaf(f[s + "mixed"]);
            float lambda = f[s + "lambda"].Item();
            // The mixes: each anchor with its two hardest negatives, as the reference chose them.
            var hard = MetrixObjective.HardNegatives(e, labels, 2);
            int[] first = [.. Enumerable.Range(0, labels.Length).SelectMany(a => hard[a].Select(_ => a))];
            int[] second = [.. hard.SelectMany(h => h)];
            Assert.Equal(LossParityTests.Ints(f[s + "first"]), first);
            Assert.Equal(LossParityTests.Ints(f[s + "second"]), second);
            var value = new ContrastiveLoss().Compute(mixed, e, ComparedMethods.IMixPairs(labels, first, second, lambda));
            Close(f[s + "loss"].Item(), value.Item(), $"i-Mix s{seed}");
            value.Backward();
            TensorAssert.Close(f[s + "grad_embeddings"], e.Grad!, 1e-4, 1e-5, $"i-Mix s{seed}: gradient of the embeddings");
            TensorAssert.Close(f[s + "grad_mixed"], mixed.Grad!, 1e-4, 1e-5, $"i-Mix s{seed}: gradient of the mixes");
        }
    }

    [Fact]
    public void IMix_labels_are_the_linear_mix_of_the_two_virtual_labels()
    {
        int[] labels = [0, 0, 1, 1, 2, 2];
        var pairs = ComparedMethods.IMixPairs(labels, [0], [2], 0.3f);
        Assert.Equal([1, 3, 4, 5], pairs.Candidate);
        Assert.Equal([0.3f, 0.7f, 0f, 0f], pairs.Label);
    }

    [Theory]
    [InlineData("ancneg")]
    [InlineData("negneg")]
    public void MoChi_mixes_loss_and_gradients_match_the_reference(string setName)
    {
        var f = Fixtures.Load("mining/mochi").Tensors;
        string s = setName + ".";
        var set = setName == "ancneg" ? PairSet.AncNeg : PairSet.NegNeg;
        int[] labels = LossParityTests.Ints(f[s + "labels"]);
        var e = Leaf(f[s + "embeddings"]);
        var hard = MetrixObjective.HardNegatives(e, labels, (int)f[s + "k"].Item());
        var (first, second, factors, anchors) = ComparedMethods.MoChiMixes(set, hard, new Rng(1));
        Assert.Equal(LossParityTests.Ints(f[s + "first"]), first);
        Assert.Equal(LossParityTests.Ints(f[s + "second"]), second);
        Assert.Equal(LossParityTests.Ints(f[s + "anchors"]), anchors);
        Assert.All(factors, b => Assert.InRange(b, 0f, set == PairSet.AncNeg ? 0.5f : 1f));
        // The reference's factors in place of ours (drawn from another generator).
        var mixed = Ops.L2Normalize(MixOps.MixRows(e, first, second, f[s + "factors"].ToArray()));
        var value = new ContrastiveLoss().Compute(e, mixed, new Pairs(anchors, [.. Enumerable.Range(0, first.Length)], new float[first.Length]));
        Close(f[s + "loss"].Item(), value.Item(), $"MoCHi {setName}");
        value.Backward();
        TensorAssert.Close(f[s + "grad_embeddings"], e.Grad!, 1e-4, 1e-5, $"MoCHi {setName}: gradient");
    }

    [Fact]
    public void Proxy_synthesis_loss_and_gradients_match_the_reference()
    {
        var f = Fixtures.Load("mining/proxy_synthesis").Tensors;
        foreach (int seed in new[] { 1, 2 })
        {
            string s = $"s{seed}.";
            int[] labels = LossParityTests.Ints(f[s + "labels"]);
            Assert.Equal(LossParityTests.Ints(f[s + "partner"]), ComparedMethods.ProxySynthesisPartners(labels));
            var e = Leaf(f[s + "embeddings"]);
            var loss = new ProxyAnchorLoss(labels.Max() + 1, e.Dim(1), new Rng(1));
            f[s + "proxies"].Span.CopyTo(loss.Proxies.Span);
            var (value, union) = ComparedMethods.ProxySynthesisLoss(e, labels, loss, f[s + "lambda"].Item());
            Assert.Equal(2 * labels.Length, union.Dim(0));
            Close(f[s + "loss"].Item(), value.Item(), $"proxy synthesis s{seed}");
            value.Backward();
            TensorAssert.Close(f[s + "grad_embeddings"], e.Grad!, 1e-4, 1e-5, $"proxy synthesis s{seed}: gradient of the embeddings");
            TensorAssert.Close(f[s + "grad_proxies"], loss.Proxies.Grad!, 1e-4, 1e-5, $"proxy synthesis s{seed}: gradient of the proxies");
        }
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        int[] labels = [0, 0, 1, 1, 2, 2];
        var x = new Rng(21).Normal([6, 5]).RequireGrad();
        var m = new Rng(22).Normal([4, 5]).RequireGrad();
        var imix = ComparedMethods.IMixPairs(labels, [0, 1, 2, 4], [2, 5, 4, 0], 0.35f);
        GradCheck.Check(t => new MultiSimilarityLoss().Compute(Ops.L2Normalize(t[1]), Ops.L2Normalize(t[0]), imix), [x, m], eps: 1e-3, rtol: 2e-2, atol: 1e-3);

        var hard = MetrixObjective.HardNegatives(Ops.L2Normalize(x.Detach()), labels, 2);
        foreach (var set in new[] { PairSet.AncNeg, PairSet.NegNeg })
        {
            var (first, second, factors, anchors) = ComparedMethods.MoChiMixes(set, hard, new Rng(5));
            var pairs = new Pairs(anchors, [.. Enumerable.Range(0, first.Length)], new float[first.Length]);
            GradCheck.Check(t =>
            {
                var u = Ops.L2Normalize(t[0]);
                return new MultiSimilarityLoss().Compute(u, Ops.L2Normalize(MixOps.MixRows(u, first, second, factors)), pairs);
            }, [x], eps: 1e-3, rtol: 2e-2, atol: 1e-3);
        }

        var pa = new ProxyAnchorLoss(3, 5, new Rng(6));
        GradCheck.Check(t => ComparedMethods.ProxySynthesisLoss(Ops.L2Normalize(t[0]), labels, pa, 0.4f).Loss, [x, pa.Proxies], eps: 1e-3, rtol: 2e-2, atol: 1e-3);
    }

    [Fact]
    public void Mixing_rows_with_a_factor_per_row_has_the_right_gradient()
    {
        var x = new Rng(8).Normal([5, 3]).RequireGrad();
        GradCheck.Check(t => MixOps.MixRows(t[0], [0, 1, 4, 2], [3, 3, 0, 2], [0.2f, 0.9f, 1f, 0.5f]), [x]);
        var same = MixOps.MixRows(x.Detach(), [0, 1], [2, 3], 0.3f).ToArray();
        Assert.Equal(same, MixOps.MixRows(x.Detach(), [0, 1], [2, 3], [0.3f, 0.3f]).ToArray());
    }

    [Theory]
    [InlineData(MixMode.IMix, "contrastive", PairSet.AncNeg)]
    [InlineData(MixMode.MoChi, "contrastive", PairSet.AncNeg)]
    [InlineData(MixMode.MoChi, "contrastive", PairSet.NegNeg)]
    [InlineData(MixMode.ProxySynthesis, "proxyanchor", PairSet.PosNeg)]
    public void The_objective_runs_each_method_deterministically(MixMode mode, string lossName, PairSet set)
    {
        int[] labels = [0, 0, 0, 1, 1, 1, 2, 2];
        (double, double) Run()
        {
            var net = new EmbeddingNet("resnet18", 8, true, new Rng(1), width: 4);
            net.FreezeBatchNorm();
            var loss = LossFactory.Create(lossName, 3, 8, new Rng(2));
            using var scope = new TensorScope();
            var images = new Rng(3).Normal([8, 3, 32, 32]);
            var step = MetrixObjective.Compute(net, images, labels, loss, new MixupOptions(mode, [set]), new Rng(4), keepMixedEmbeddings: true);
            Assert.Equal(step.Mixes, step.MixedEmbeddings!.Dim(0));
            step.Loss.Backward();
            Assert.True(double.IsFinite(step.Loss.Item()));
            Assert.NotNull(step.MixedLoss);
            Assert.True(step.Mixes > 0);
            if (mode != MixMode.ProxySynthesis)
                Assert.Equal(step.CleanLoss + 0.4 * step.MixedLoss!.Value, step.Loss.Item(), 5);
            return (step.Loss.Item(), net.Embedding.Weight.Grad!.ToArray().Sum());
        }
        Assert.Equal(Run(), Run());
    }
}
