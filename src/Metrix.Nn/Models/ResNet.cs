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
