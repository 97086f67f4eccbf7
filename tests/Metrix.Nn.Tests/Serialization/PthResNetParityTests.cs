using Metrix.Tensors;
using Metrix.Testing;
using Xunit.Abstractions;

namespace Metrix.Nn.Tests;

/// <summary>
/// Reduced-width (8) ResNet-18 and ResNet-50 whose weights PyTorch wrote with torch.save (zip, and legacy for
/// the ResNet-18), loaded by name with our reader, against PyTorch's forward and backward
/// (tools/fixtures/resnet_pth.py). Eval mode (running statistics, as pretrained bodies are used with
/// bn_freeze): output, input gradient and every parameter gradient within relative 1e-4 + absolute 1e-5
/// elementwise (measured: the worst difference is 1.0e-6 of the tensor's largest magnitude, for both
/// depths and both formats). Train mode: the output normwise within 5e-3 (measured 2.7e-6 for the
/// ResNet-18, 2.8e-4 for the ResNet-50, whose layer4 batch statistics over 2 images amplify float32
/// rounding, see <see cref="ResNetParityTests"/>).
/// </summary>
public sealed class PthResNetParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("resnet18", "resnet18_w8.pth")]
    [InlineData("resnet18", "resnet18_w8_legacy.pth")]
    [InlineData("resnet50", "resnet50_w8.pth")]
    public void Weights_saved_by_pytorch_give_pytorchs_forward_and_backward(string model, string file)
    {
        var f = Fixtures.Load($"pth/{model}_w8_expected").Tensors;
        var body = new ResNet(model, new Rng(1), width: 8);
        var report = StateDictLoader.Load(body, Fixtures.PathOf("pth/" + file));
        Assert.Equal(["fc.weight", "fc.bias"], report.Skipped);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unexpected);
        Assert.Equal(body.StateDict().Count, report.Loaded.Count);
        Assert.All(report.Converted, kv => { Assert.EndsWith("num_batches_tracked", kv.Key); Assert.Equal("int64", kv.Value); });
        Assert.Equal(1234f, body.StateDict()["layer4.1.bn2.num_batches_tracked"].Item());

        body.Eval();
        var x = f["x"].RequireGrad();
        var y = body.Forward(x);
        double worst = 0;
        void Check(Tensor expected, Tensor actual, string what)
        {
            TensorAssert.Close(expected, actual, 1e-4, 1e-5, what);
            worst = Math.Max(worst, MaxAbs(expected, actual) / MaxAbs(expected, null));
        }
        Check(f["eval.y"], y, "eval output");
        Ops.Sum(Ops.Mul(y, f["eval.r"])).Backward();
        Check(f["eval.grad.x"], x.Grad!, "input gradient");
        foreach (var (name, p) in body.NamedParameters()) Check(f["eval.grad." + name], p.Grad!, "gradient of " + name);

        body.Train();
        using (new TensorScope())
        {
            var yt = body.Forward(f["x"].Detach());
            double normwise = Math.Sqrt(SquaredDiff(f["train.y"], yt) / SquaredDiff(f["train.y"], null));
            output.WriteLine($"{file}: eval worst |Δ|/max|ref| {worst:G3}; train output normwise relative error {normwise:G3}");
            Assert.True(normwise <= 5e-3, $"train output: normwise relative error {normwise:G3}");
        }
    }

    private static double MaxAbs(Tensor expected, Tensor? actual)
    {
        double m = 0;
        for (int i = 0; i < expected.Size; i++) m = Math.Max(m, Math.Abs(expected.Span[i] - (actual?.Span[i] ?? 0)));
        return m;
    }

    private static double SquaredDiff(Tensor expected, Tensor? actual)
    {
        double s = 0;
        for (int i = 0; i < expected.Size; i++)
        {
            double d = expected.Span[i] - (actual?.Span[i] ?? 0);
            s += d * d;
        }
        return s;
    }
}
