using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>
/// Short-row primitives of the convolution passes (im2col, col2im, packing), inlined so that rows of 2 to
/// 64 floats cost no call: 512-bit, then 256-bit vectors, then a scalar tail; <see cref="VectorWidth.Scalar"/> runs the
/// scalar reference alone, which every vector form is tested against.
/// </summary>
internal static unsafe class RowKernels
{
    /// <summary>Whether vectors of <paramref name="bits"/> run under the limit <paramref name="width"/> (a constant folds away).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Runs(VectorWidth width, VectorWidth bits) =>
        width >= bits && (bits == VectorWidth.Bits512 ? Vector512.IsHardwareAccelerated : Vector256.IsHardwareAccelerated);

    /// <summary>dst[j] = src[j] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* src, float* dst, int n, VectorWidth width = VectorWidth.Widest)
    {
        int j = 0;
        if (Runs(width, VectorWidth.Bits512))
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512.Load(src + j), dst + j);
        if (Runs(width, VectorWidth.Bits256))
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] = src[j];
    }

    /// <summary>dst[j] += src[j] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(float* src, float* dst, int n, VectorWidth width = VectorWidth.Widest)
    {
        int j = 0;
        if (Runs(width, VectorWidth.Bits512))
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512.Load(dst + j) + Vector512.Load(src + j), dst + j);
        if (Runs(width, VectorWidth.Bits256))
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256.Load(dst + j) + Vector256.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }

    /// <summary>dst[j] = 0 for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zero(float* dst, int n, VectorWidth width = VectorWidth.Widest)
    {
        int j = 0;
        if (Runs(width, VectorWidth.Bits512))
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512<float>.Zero, dst + j);
        if (Runs(width, VectorWidth.Bits256))
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256<float>.Zero, dst + j);
        for (; j < n; j++) dst[j] = 0f;
    }

    /// <summary>dst[j] = src[j]·scale + shift for j &lt; n (a per-channel affine).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Affine(float* src, float scale, float shift, float* dst, int n, VectorWidth width = VectorWidth.Widest)
    {
        int j = 0;
        if (Runs(width, VectorWidth.Bits512))
        {
            var s = Vector512.Create(scale);
            var b = Vector512.Create(shift);
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(src + j), s, b), dst + j);
        }
        if (Runs(width, VectorWidth.Bits256))
        {
            var s = Vector256.Create(scale);
            var b = Vector256.Create(shift);
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(src + j), s, b), dst + j);
        }
        for (; j < n; j++) dst[j] = MathF.FusedMultiplyAdd(src[j], scale, shift);
    }

    /// <summary>dst[j] = max(src[j]·scale + shift (+ residual[j]), 0) for j &lt; n; <paramref name="residual"/> may be null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineRelu(float* src, float scale, float shift, float* residual, float* dst, int n, VectorWidth width = VectorWidth.Widest)
    {
        int j = 0;
        if (Runs(width, VectorWidth.Bits512))
        {
            var s = Vector512.Create(scale);
            var b = Vector512.Create(shift);
            for (; j <= n - 16; j += 16)
            {
                var v = Vector512.FusedMultiplyAdd(Vector512.Load(src + j), s, b);
                if (residual != null) v += Vector512.Load(residual + j);
                Vector512.Store(Vector512.Max(v, Vector512<float>.Zero), dst + j);
            }
        }
        if (Runs(width, VectorWidth.Bits256))
        {
            var s = Vector256.Create(scale);
            var b = Vector256.Create(shift);
            for (; j <= n - 8; j += 8)
            {
                var v = Vector256.FusedMultiplyAdd(Vector256.Load(src + j), s, b);
                if (residual != null) v += Vector256.Load(residual + j);
                Vector256.Store(Vector256.Max(v, Vector256<float>.Zero), dst + j);
            }
        }
        for (; j < n; j++)
        {
            float v = MathF.FusedMultiplyAdd(src[j], scale, shift);
            if (residual != null) v += residual[j];
            dst[j] = MathF.Max(v, 0f);
        }
    }

    /// <summary>
    /// The backward of <see cref="AffineRelu"/>: m = g·[y &gt; 0]; scaled[j] = m·scale and masked[j] = m, each when not null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaskedScale(float* g, float* y, float scale, float* scaled, float* masked, int n, VectorWidth width = VectorWidth.Widest)
    {
        int j = 0;
        if (Runs(width, VectorWidth.Bits512))
        {
            var s = Vector512.Create(scale);
            for (; j <= n - 16; j += 16)
            {
                var m = Vector512.Load(g + j) & Vector512.GreaterThan(Vector512.Load(y + j), Vector512<float>.Zero);
                if (scaled != null) Vector512.Store(m * s, scaled + j);
                if (masked != null) Vector512.Store(m, masked + j);
            }
        }
        if (Runs(width, VectorWidth.Bits256))
        {
            var s = Vector256.Create(scale);
            for (; j <= n - 8; j += 8)
            {
                var m = Vector256.Load(g + j) & Vector256.GreaterThan(Vector256.Load(y + j), Vector256<float>.Zero);
                if (scaled != null) Vector256.Store(m * s, scaled + j);
                if (masked != null) Vector256.Store(m, masked + j);
            }
        }
        for (; j < n; j++)
        {
            float m = y[j] > 0 ? g[j] : 0f;
            if (scaled != null) scaled[j] = m * scale;
            if (masked != null) masked[j] = m;
        }
    }
}
