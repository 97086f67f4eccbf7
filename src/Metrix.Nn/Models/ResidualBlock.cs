using Metrix.Tensors;

namespace Metrix.Nn;

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
