namespace Metrix.Tensors;

/// <summary>Arithmetic with a constant (the constant is a zero-dimensional tensor without gradient).</summary>
public static partial class Ops
{
    /// <summary>x + s.</summary>
    public static Tensor Add(Tensor x, float s) => Add(x, Tensor.Scalar(s));

    /// <summary>x − s.</summary>
    public static Tensor Sub(Tensor x, float s) => Sub(x, Tensor.Scalar(s));

    /// <summary>s − x.</summary>
    public static Tensor Sub(float s, Tensor x) => Sub(Tensor.Scalar(s), x);

    /// <summary>x · s.</summary>
    public static Tensor Mul(Tensor x, float s) => Mul(x, Tensor.Scalar(s));

    /// <summary>x / s.</summary>
    public static Tensor Div(Tensor x, float s) => Div(x, Tensor.Scalar(s));

    /// <summary>s / x.</summary>
    public static Tensor Div(float s, Tensor x) => Div(Tensor.Scalar(s), x);
}
