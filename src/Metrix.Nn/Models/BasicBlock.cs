using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>ResNet-18/34 block: 3×3 (stride) → BN → ReLU → 3×3 → BN, plus the shortcut.</summary>
public sealed class BasicBlock : ResidualBlock
{
    private readonly Conv2d _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Downsample? _downsample;

    /// <summary>Creates the block.</summary>
    public BasicBlock(int inPlanes, int planes, int stride, Rng rng)
    {
        _conv1 = Child("conv1", new Conv2d(inPlanes, planes, 3, stride, 1, false, rng));
        _bn1 = Child("bn1", new BatchNorm2d(planes));
        _conv2 = Child("conv2", new Conv2d(planes, planes, 3, 1, 1, false, rng));
        _bn2 = Child("bn2", new BatchNorm2d(planes));
        if (stride != 1 || inPlanes != planes) _downsample = Child("downsample", new Downsample(inPlanes, planes, stride, rng));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var h = _bn1.ForwardRelu(_conv1.Forward(x));
        return _bn2.ForwardRelu(_conv2.Forward(h), _downsample?.Forward(x) ?? x);
    }
}
