using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Onnx.Tests;

/// <summary>What the exporter refuses, each with a one-line message naming the layer.</summary>
public sealed class OnnxExportErrorTests
{
    private static readonly OnnxExportOptions Options = new() { ImageSize = TestModels.ImageSize };

    [Fact]
    public void BatchNorm_in_training_mode_is_refused_naming_the_layer()
    {
        var net = TestModels.Reduced("resnet18");
        net.Train();
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToBytes(net, Options));
        Assert.Contains("'bn1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("batch statistics", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Frozen_BatchNorm_uses_running_statistics_and_exports_in_training_mode()
    {
        // bn_freeze: the training-mode forward normalises with the running statistics, as the graph does.
        var net = TestModels.Reduced("resnet18");
        net.Train();
        net.FreezeBatchNorm();
        var bytes = OnnxExporter.ToBytes(net, Options);
        net.Eval();
        Assert.Equal(OnnxExporter.ToBytes(net, Options), bytes);
    }

    [Fact]
    public void Non_finite_running_statistics_are_refused_naming_the_layer()
    {
        var net = TestModels.Reduced("resnet50");
        var bn = net.NamedModules().Single(m => m.Name == "layer3.2.bn2").Module as BatchNorm2d;
        bn!.RunningVar.Span[1] = float.NaN;
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToBytes(net, Options));
        Assert.Contains("'layer3.2.bn2'", e.Message, StringComparison.Ordinal);
        Assert.Contains("running_var", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_other_than_EmbeddingNet_is_an_unsupported_layer()
    {
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToBytes(new ConvOnly(), Options));
        Assert.Contains("unsupported layer", e.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ConvOnly), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(19)]
    public void Opsets_outside_the_supported_range_are_refused(int opset)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.ToBytes(TestModels.Reduced("resnet18"), Options with { Opset = opset }));
        Assert.Contains("13 to 18", e.Message, StringComparison.Ordinal);
    }

    private sealed class ConvOnly : Module
    {
        public ConvOnly() => Child("conv", new Conv2d(3, 4, 3, 1, 1, false, new Rng(1)));
    }
}
