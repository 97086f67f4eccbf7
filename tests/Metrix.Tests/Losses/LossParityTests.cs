using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tests;

/// <summary>
/// Loss values and gradients against float64 PyTorch references written pair by pair from docs/method.md
/// (tools/fixtures/losses.py), clean and mixed (λ = 0.3 pos-neg mixes with soft labels). Tolerance:
/// relative 1e-4, absolute 1e-5 (our per-pair arithmetic is float32 dot products, accumulated in double).
/// </summary>
public sealed class LossParityTests
{
    public static TheoryData<string> Names() => ["contrastive", "multisimilarity", "binomial", "lifted", "nca", "proxyanchor", "proxynca++"];

    [Theory]
    [MemberData(nameof(Names))]
    public void Clean_and_mixed_losses_match_pytorch(string name)
    {
        var f = Fixtures.Load("losses/" + name).Tensors;
        int[] labels = Ints(f["labels"]);
        int classes = labels.Max() + 1, dim = f["embeddings"].Dim(1);
        foreach (var mixed in new[] { false, true })
        {
            var e = Tensor.FromArray(f["embeddings"].Span, f["embeddings"].ShapeArray()).RequireGrad();
            var loss = LossFactory.Create(name, classes, dim, new Rng(1));
            Tensor? proxies = loss.Parameters.Count > 0 ? loss.Parameters[0].Tensor : null;
            if (proxies is not null) f["proxies"].Span.CopyTo(proxies.Span);
            Tensor value;
            if (!mixed) value = loss.Clean(e, labels);
            else
            {
                float lambda = f["lambda"].Item();
                var plan = new MixPlan(Ints(f["mix_i"]), Ints(f["mix_j"]), lambda,
                    new Pairs(Ints(f["pairs_a"]), Ints(f["pairs_c"]), f["pairs_y"].ToArray()), PairSet.PosNeg);
                var v = MixOps.MixRows(e, plan.First, plan.Second, lambda);
                value = loss.Mixed(e, v, loss.MixedPairs(plan.Pairs, labels, plan.First, plan.Second, lambda));
            }
            string c = mixed ? "mixed" : "clean";
            Assert.Equal(f[c + ".loss"].Item(), value.Item(), 1e-4 * Math.Abs(f[c + ".loss"].Item()) + 1e-5);
            value.Backward();
            TensorAssert.Close(f[c + ".grad_embeddings"], e.Grad!, 1e-4, 1e-5, $"{c} gradient of the embeddings");
            if (proxies is not null) TensorAssert.Close(f[c + ".grad_proxies"], proxies.Grad!, 1e-4, 1e-5, $"{c} gradient of the proxies");
            proxies?.ZeroGrad();
        }
    }

    [Fact]
    public void Contrastive_matches_pytorch_metric_learning_semantics_of_the_release()
    {
        var f = Fixtures.Load("losses/pml_contrastive").Tensors;
        var e = Tensor.FromArray(f["embeddings"].Span, f["embeddings"].ShapeArray()).RequireGrad();
        var value = new ContrastiveLoss().Clean(Ops.L2Normalize(e), Ints(f["labels"]));
        Assert.Equal(f["loss"].Item(), value.Item(), 1e-5);
        value.Backward();
        TensorAssert.Close(f["grad_embeddings"], e.Grad!, 1e-4, 1e-5);
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        int[] labels = [0, 0, 1, 1, 2, 2];
        foreach (var name in new[] { "contrastive", "multisimilarity", "binomial", "nca" })
        {
            var loss = LossFactory.Create(name, 3, 5, new Rng(1));
            var x = new Rng(4).Normal([6, 5]).RequireGrad();
            GradCheck.Check(t => loss.Clean(Ops.L2Normalize(t[0]), labels), [x], eps: 1e-3, rtol: 2e-2, atol: 1e-3);
        }
    }

    internal static int[] Ints(Tensor t) => t.ToArray().Select(v => (int)MathF.Round(v)).ToArray();
}
