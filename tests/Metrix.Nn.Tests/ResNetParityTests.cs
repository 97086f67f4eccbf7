using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Nn.Tests;

/// <summary>
/// Reduced-width (8) ResNet-18 and ResNet-50 bodies against PyTorch's (tools/fixtures/resnet.py), loaded by
/// torchvision names: forward in train and eval mode and the gradient of Σ y·r w.r.t. the input and every
/// parameter. Tolerance in eval mode: relative 1e-3, absolute 1e-4. In train mode every BatchNorm normalises
/// with statistics of only 16 values per channel in layer4, which amplifies float32 rounding (PyTorch's own
/// float32 and float64 outputs differ by 7e-5 of the largest value for the ResNet-50, 0.2% elementwise for the
/// ResNet-18), so there each tensor is compared normwise: ‖ours − PyTorch‖₂ ≤ 5e-3·‖PyTorch‖₂.
/// </summary>
public sealed class ResNetParityTests
{
    [Theory]
    [InlineData("resnet18", "train")]
    [InlineData("resnet18", "eval")]
    [InlineData("resnet50", "train")]
    [InlineData("resnet50", "eval")]
    public void Body_matches_pytorch_forward_and_backward(string model, string mode)
    {
        var f = Fixtures.Load($"nn/{model}_w8").Tensors;
        var body = new ResNet(model, new Rng(1), width: 8);
        var weights = f.Where(kv => kv.Key.StartsWith("weights.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["weights.".Length..], kv => kv.Value);
        var result = body.LoadStateDict(weights, strict: false);
        Assert.Empty(result.Unexpected);
        Assert.All(result.Missing, k => Assert.EndsWith("num_batches_tracked", k));
        body.Train(mode == "train");
        var x = f["x"].RequireGrad();
        var y = body.Forward(x);
        void Compare(Tensor expected, Tensor actual, string what)
        {
            if (mode == "eval") { TensorAssert.Close(expected, actual, 1e-3, 1e-4, what); return; }
            double diff = 0, norm = 0;
            for (int i = 0; i < expected.Size; i++)
            {
                double e = expected.Span[i], d = actual.Span[i] - e;
                diff += d * d;
                norm += e * e;
            }
            Assert.True(Math.Sqrt(diff) <= 5e-3 * Math.Sqrt(norm), $"{what}: normwise relative error {Math.Sqrt(diff / norm):G3}");
        }
        Compare(f[$"{mode}.y"], y, "output");
        Ops.Sum(Ops.Mul(y, f[$"{mode}.r"])).Backward();
        Compare(f[$"{mode}.grad.x"], x.Grad!, "input gradient");
        foreach (var (name, p) in body.NamedParameters())
            Compare(f[$"{mode}.grad.{name}"], p.Grad!, "gradient of " + name);
        if (mode == "train")
            TensorAssert.Close(f["train.running_mean_after.layer1.0.bn1"], body.StateDict()["layer1.0.bn1.running_mean"], 1e-4, 1e-6);
    }

    [Fact]
    public void Names_follow_torchvision_and_bn_freeze_stops_statistics_and_affine_training()
    {
        var net = new EmbeddingNet("resnet18", 16, true, new Rng(2), width: 8);
        var names = net.StateDict().Keys.ToHashSet();
        Assert.Contains("conv1.weight", names);
        Assert.Contains("layer1.0.bn1.running_mean", names);
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Contains("layer4.1.bn2.num_batches_tracked", names);
        Assert.Contains("embedding.weight", names);
        Assert.DoesNotContain(names, n => n.StartsWith('.'));
        net.FreezeBatchNorm();
        net.Train();
        var before = net.StateDict()["layer1.0.bn1.running_mean"].ToArray();
        using (new TensorScope())
        {
            var e = net.Forward(new Rng(3).Normal([4, 3, 32, 32]));
            Ops.Sum(e).Backward();
        }
        Assert.Equal(before, net.StateDict()["layer1.0.bn1.running_mean"].ToArray());
        Assert.Null(net.StateDict()["layer1.0.bn1.weight"].Grad);
        Assert.NotNull(net.StateDict()["embedding.weight"].Grad);
    }

    [Fact]
    public void Embeddings_are_unit_length()
    {
        var net = new EmbeddingNet("resnet18", 16, true, new Rng(2), width: 8);
        net.Eval();
        using var scope = new TensorScope();
        var e = net.Forward(new Rng(3).Normal([3, 3, 32, 32]));
        for (int i = 0; i < 3; i++)
            Assert.Equal(1.0, Math.Sqrt(e.Span.Slice(i * 16, 16).ToArray().Sum(v => (double)v * v)), 4);
    }
}
