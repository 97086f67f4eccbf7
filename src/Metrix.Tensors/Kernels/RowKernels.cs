using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>
/// Short-row primitives of the convolution passes (im2col, col2im, packing), inlined so that rows of 2 to
/// 64 floats cost no call: 512-bit, then 256-bit vectors, then a scalar tail.
/// </summary>
internal static unsafe class RowKernels
{
    /// <summary>Whether the 512-bit paths run (tests switch it off to run the narrower ones).</summary>
    public static bool Use512 { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>dst[j] = src[j] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* src, float* dst, int n)
    {
        int j = 0;
        if (Use512)
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512.Load(src + j), dst + j);
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] = src[j];
    }

    /// <summary>dst[j] += src[j] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(float* src, float* dst, int n)
    {
        int j = 0;
        if (Use512)
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512.Load(dst + j) + Vector512.Load(src + j), dst + j);
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256.Load(dst + j) + Vector256.Load(src + j), dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }

    /// <summary>dst[j] = 0 for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zero(float* dst, int n)
    {
        int j = 0;
        if (Use512)
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512<float>.Zero, dst + j);
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256<float>.Zero, dst + j);
        for (; j < n; j++) dst[j] = 0f;
    }

    /// <summary>dst[j] = src[j]·scale + shift for j &lt; n (a per-channel affine).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Affine(float* src, float scale, float shift, float* dst, int n)
    {
        int j = 0;
        if (Use512)
        {
            var s = Vector512.Create(scale);
            var b = Vector512.Create(shift);
            for (; j <= n - 16; j += 16) Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(src + j), s, b), dst + j);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            var b = Vector256.Create(shift);
            for (; j <= n - 8; j += 8) Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(src + j), s, b), dst + j);
        }
        for (; j < n; j++) dst[j] = MathF.FusedMultiplyAdd(src[j], scale, shift);
    }
}
