using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// The ResNet body as torchvision builds it (v1.5: the stride sits on the 3×3 convolution of a bottleneck),
/// with torchvision's parameter names, up to and including <c>layer4</c> (no pooling, no <c>fc</c>).
/// </summary>
public sealed class ResNet : Module
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly ResidualBlock[][] _layers;

    /// <summary>Blocks per stage and block type of each supported depth.</summary>
    public static (int[] Blocks, bool Bottleneck) Layout(string name) => name switch
    {
        "resnet18" => ([2, 2, 2, 2], false),
        "resnet34" => ([3, 4, 6, 3], false),
        "resnet50" => ([3, 4, 6, 3], true),
        "resnet101" => ([3, 4, 23, 3], true),
        _ => throw new ArgumentException($"unknown model '{name}'; accepted: resnet18, resnet34, resnet50, resnet101"),
    };

    /// <summary>Builds <paramref name="name"/> (resnet18/34/50/101); <paramref name="width"/> 64 is torchvision's, smaller values give reduced test models.</summary>
    public ResNet(string name, Rng rng, int width = 64)
    {
        Name = name;
        var (blocks, bottleneck) = Layout(name);
        int expansion = bottleneck ? 4 : 1;
        _conv1 = Child("conv1", new Conv2d(3, width, 7, 2, 3, false, rng));
        _bn1 = Child("bn1", new BatchNorm2d(width));
        int inPlanes = width;
        _layers = new ResidualBlock[4][];
        for (int stage = 0; stage < 4; stage++)
        {
            int planes = width << stage;
            int stride = stage == 0 ? 1 : 2;
            var layer = Child($"layer{stage + 1}", new Sequence());
            _layers[stage] = new ResidualBlock[blocks[stage]];
            for (int b = 0; b < blocks[stage]; b++)
            {
                ResidualBlock block = bottleneck
                    ? new Bottleneck(inPlanes, planes, b == 0 ? stride : 1, rng)
                    : new BasicBlock(inPlanes, planes, b == 0 ? stride : 1, rng);
                _layers[stage][b] = layer.Add(b.ToString(System.Globalization.CultureInfo.InvariantCulture), block);
                inPlanes = planes * expansion;
            }
        }
        OutChannels = inPlanes;
        foreach (var (_, m) in NamedModules())
            if (m is Conv2d conv) Init.KaimingNormalFanOut(rng, conv.Weight);
    }

    /// <summary>resnet18, resnet34, resnet50 or resnet101.</summary>
    public string Name { get; }

    /// <summary>Channels of the layer4 output (512 or 2048 at full width).</summary>
    public int OutChannels { get; }

    /// <summary>Every BatchNorm2d of the body.</summary>
    public IEnumerable<BatchNorm2d> BatchNorms => NamedModules().Select(m => m.Module).OfType<BatchNorm2d>();

    /// <summary>x [N,3,H,W] → layer4 features [N,C,H/32,W/32].</summary>
    public Tensor Forward(Tensor x)
    {
        var h = _bn1.ForwardRelu(_conv1.Forward(x));
        h = Ops.MaxPool2d(h, 3, 2, 1);
        foreach (var stage in _layers)
            foreach (var block in stage) h = block.Forward(h);
        return h;
    }

    /// <summary>An ordered container whose children are named by position (<c>layer1.0</c>).</summary>
    private sealed class Sequence : Module
    {
        public T Add<T>(string name, T module) where T : Module => Child(name, module);
    }
}

/// <summary>A residual block: body(x) + shortcut(x), then ReLU.</summary>
public abstract class ResidualBlock : Module
{
    /// <summary>The block's output.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>The projection shortcut (<c>downsample.0</c> conv 1×1 + <c>downsample.1</c> BN) when shapes change.</summary>
    protected sealed class Downsample : Module
    {
        private readonly Conv2d _conv;
        private readonly BatchNorm2d _bn;

        /// <summary>A 1×1 convolution from <paramref name="inPlanes"/> to <paramref name="outPlanes"/> channels with <paramref name="stride"/>, then BN; weights drawn from <paramref name="rng"/>.</summary>
        public Downsample(int inPlanes, int outPlanes, int stride, Rng rng)
        {
            _conv = Child("0", new Conv2d(inPlanes, outPlanes, 1, stride, 0, false, rng));
            _bn = Child("1", new BatchNorm2d(outPlanes));
        }

        /// <summary>The shortcut of <paramref name="x"/> [N, inPlanes, H, W]: [N, outPlanes, H / stride, W / stride].</summary>
        public Tensor Forward(Tensor x) => _bn.Forward(_conv.Forward(x));
    }
}

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
