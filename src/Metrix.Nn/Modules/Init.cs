using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>PyTorch's weight initialisations, drawn from a seeded <see cref="Rng"/> into persistent tensors.</summary>
public static class Init
{
    /// <summary>fan_in = shape[1]·receptive field; fan_out = shape[0]·receptive field.</summary>
    public static (int FanIn, int FanOut) Fans(ReadOnlySpan<int> shape)
    {
        int receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>A persistent tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Constant(int[] shape, float value)
    {
        var t = Tensor.Persistent(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>U(−bound, bound).</summary>
    public static Tensor Uniform(Rng rng, int[] shape, double bound)
    {
        var t = Tensor.Persistent(shape);
        rng.FillUniform(t.Span, -bound, bound);
        return t;
    }

    /// <summary>kaiming_uniform_(a, fan_in, leaky_relu): bound = √(6 / ((1 + a²)·fan_in)); a = √5 gives 1/√fan_in.</summary>
    public static Tensor KaimingUniform(Rng rng, int[] shape, double a) =>
        Uniform(rng, shape, Math.Sqrt(6.0 / ((1 + a * a) * Fans(shape).FanIn)));

    /// <summary>kaiming_normal_(mode = fan_out, relu) in place: N(0, 2 / fan_out).</summary>
    public static void KaimingNormalFanOut(Rng rng, Tensor target) =>
        rng.FillNormal(target.Span, 0, Math.Sqrt(2.0 / Fans(target.Shape).FanOut));
}
