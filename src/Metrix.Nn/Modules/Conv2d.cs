using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>2-D convolution layer (groups 1); weight [O,C,k,k], optional bias, PyTorch's default init.</summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates the layer with Kaiming-uniform (a = √5) weights, as PyTorch's default.</summary>
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, bool bias, Rng rng)
    {
        Stride = stride;
        Padding = padding;
        Weight = Parameter("weight", Init.KaimingUniform(rng, [outChannels, inChannels, kernel, kernel], Math.Sqrt(5)));
        if (bias) Bias = Parameter("bias", Init.Uniform(rng, [outChannels], 1 / Math.Sqrt(inChannels * kernel * kernel)));
    }

    /// <summary>[O,C,k,k].</summary>
    public Tensor Weight { get; }

    /// <summary>[O] or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Zero padding.</summary>
    public int Padding { get; }

    /// <summary>y = conv2d(x).</summary>
    public Tensor Forward(Tensor x) => Ops.Conv2d(x, Weight, Bias, Stride, Padding);
}
