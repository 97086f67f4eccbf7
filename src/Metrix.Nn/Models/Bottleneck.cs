using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>ResNet-50/101 block: 1×1 → 3×3 (stride) → 1×1 (×4 channels), BN after each, plus the shortcut.</summary>
public sealed class Bottleneck : ResidualBlock
{
    private readonly Conv2d _conv1, _conv2, _conv3;
    private readonly BatchNorm2d _bn1, _bn2, _bn3;
    private readonly Downsample? _downsample;

    /// <summary>Creates the block.</summary>
    public Bottleneck(int inPlanes, int planes, int stride, Rng rng)
    {
        _conv1 = Child("conv1", new Conv2d(inPlanes, planes, 1, 1, 0, false, rng));
        _bn1 = Child("bn1", new BatchNorm2d(planes));
        _conv2 = Child("conv2", new Conv2d(planes, planes, 3, stride, 1, false, rng));
        _bn2 = Child("bn2", new BatchNorm2d(planes));
        _conv3 = Child("conv3", new Conv2d(planes, planes * 4, 1, 1, 0, false, rng));
        _bn3 = Child("bn3", new BatchNorm2d(planes * 4));
        if (stride != 1 || inPlanes != planes * 4) _downsample = Child("downsample", new Downsample(inPlanes, planes * 4, stride, rng));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var h = _bn1.ForwardRelu(_conv1.Forward(x));
        h = _bn2.ForwardRelu(_conv2.Forward(h));
        return _bn3.ForwardRelu(_conv3.Forward(h), _downsample?.Forward(x) ?? x);
    }
}
