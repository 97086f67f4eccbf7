using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>A binary element-wise operation in its three span shapes (both spans, span ∘ scalar, scalar ∘ span).</summary>
public interface IBinarySpanOperator
{
    /// <summary>destination[i] = x[i] ∘ y[i].</summary>
    static abstract void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);

    /// <summary>destination[i] = x[i] ∘ y.</summary>
    static abstract void Apply(ReadOnlySpan<float> x, float y, Span<float> destination);

    /// <summary>destination[i] = x ∘ y[i].</summary>
    static abstract void Apply(float x, ReadOnlySpan<float> y, Span<float> destination);
}
