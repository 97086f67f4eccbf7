namespace Metrix.Tensors;

public sealed partial class Tensor
{
    /// <summary>Broadcasting a + b.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <summary>Broadcasting a − b.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);

    /// <summary>Broadcasting a · b.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);

    /// <summary>Broadcasting a / b.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);

    /// <summary>−a.</summary>
    public static Tensor operator -(Tensor a) => Ops.Neg(a);

    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, float s) => Ops.Add(a, Scalar(s));

    /// <summary>a · s.</summary>
    public static Tensor operator *(Tensor a, float s) => Ops.Mul(a, Scalar(s));

    /// <summary>s · a.</summary>
    public static Tensor operator *(float s, Tensor a) => Ops.Mul(Scalar(s), a);

    /// <summary>s + a.</summary>
    public static Tensor operator +(float s, Tensor a) => Ops.Add(a, s);

    /// <summary>a − s.</summary>
    public static Tensor operator -(Tensor a, float s) => Ops.Sub(a, s);

    /// <summary>s − a.</summary>
    public static Tensor operator -(float s, Tensor a) => Ops.Sub(s, a);

    /// <summary>a / s.</summary>
    public static Tensor operator /(Tensor a, float s) => Ops.Div(a, s);

    /// <summary>s / a.</summary>
    public static Tensor operator /(float s, Tensor a) => Ops.Div(s, a);
}
