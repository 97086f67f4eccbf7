using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>Comparisons producing 0/1 float masks (broadcasting, never differentiated).</summary>
public static partial class Ops
{
    /// <summary>1 where a &gt; b, else 0.</summary>
    public static Tensor Gt(Tensor a, Tensor b) => Elementwise.Binary<CompareOp<GtTest>>(a, b);

    /// <summary>1 where a ≥ b, else 0.</summary>
    public static Tensor Ge(Tensor a, Tensor b) => Elementwise.Binary<CompareOp<GeTest>>(a, b);

    /// <summary>1 where a &lt; b, else 0.</summary>
    public static Tensor Lt(Tensor a, Tensor b) => Elementwise.Binary<CompareOp<GtTest>>(b, a);

    /// <summary>1 where a ≤ b, else 0.</summary>
    public static Tensor Le(Tensor a, Tensor b) => Elementwise.Binary<CompareOp<GeTest>>(b, a);

    /// <summary>1 where a = b, else 0.</summary>
    public static Tensor Eq(Tensor a, Tensor b) => Elementwise.Binary<CompareOp<EqTest>>(a, b);

    /// <summary>1 where a ≠ b (or either is NaN), else 0.</summary>
    public static Tensor Ne(Tensor a, Tensor b) => Elementwise.Binary<CompareOp<NeTest>>(a, b);

    /// <summary>1 where x &gt; s, else 0.</summary>
    public static Tensor Gt(Tensor x, float s) => Gt(x, Tensor.Scalar(s));

    /// <summary>1 where x ≥ s, else 0.</summary>
    public static Tensor Ge(Tensor x, float s) => Ge(x, Tensor.Scalar(s));

    /// <summary>1 where x &lt; s, else 0.</summary>
    public static Tensor Lt(Tensor x, float s) => Lt(x, Tensor.Scalar(s));

    /// <summary>1 where x ≤ s, else 0.</summary>
    public static Tensor Le(Tensor x, float s) => Le(x, Tensor.Scalar(s));

    /// <summary>1 where x = s, else 0.</summary>
    public static Tensor Eq(Tensor x, float s) => Eq(x, Tensor.Scalar(s));

    /// <summary>1 where x ≠ s, else 0.</summary>
    public static Tensor Ne(Tensor x, float s) => Ne(x, Tensor.Scalar(s));

    internal interface IComparison
    {
        static abstract bool Test(float x, float y);
    }

    internal readonly struct GtTest : IComparison
    {
        public static bool Test(float x, float y) => x > y;
    }

    internal readonly struct GeTest : IComparison
    {
        public static bool Test(float x, float y) => x >= y;
    }

    internal readonly struct EqTest : IComparison
    {
        public static bool Test(float x, float y) => x == y;
    }

    internal readonly struct NeTest : IComparison
    {
        public static bool Test(float x, float y) => x != y;
    }

    internal readonly struct CompareOp<TTest> : IBinarySpanOperator where TTest : struct, IComparison
    {
        public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        {
            for (int i = 0; i < x.Length; i++) d[i] = TTest.Test(x[i], y[i]) ? 1f : 0f;
        }

        public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d)
        {
            for (int i = 0; i < x.Length; i++) d[i] = TTest.Test(x[i], y) ? 1f : 0f;
        }

        public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d)
        {
            for (int i = 0; i < y.Length; i++) d[i] = TTest.Test(x, y[i]) ? 1f : 0f;
        }
    }
}
