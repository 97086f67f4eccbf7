using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>Fully connected layer y = x·Wᵀ + b; weight [out,in].</summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer with PyTorch's default init (Kaiming-uniform a = √5; bias uniform ±1/√in).</summary>
    public Linear(int inFeatures, int outFeatures, bool bias, Rng rng)
    {
        Weight = Parameter("weight", Init.KaimingUniform(rng, [outFeatures, inFeatures], Math.Sqrt(5)));
        if (bias) Bias = Parameter("bias", Init.Uniform(rng, [outFeatures], 1 / Math.Sqrt(inFeatures)));
    }

    /// <summary>[out,in].</summary>
    public Tensor Weight { get; }

    /// <summary>[out] or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>y = x·Wᵀ + b.</summary>
    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}
