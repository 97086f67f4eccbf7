using System.Runtime.CompilerServices;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>Passes the convolution algorithms share: zero borders and per-channel bias.</summary>
internal static unsafe class ConvKernels
{
    /// <summary>
    /// dst[n, c, border + h, border + w] = src[n, c, h, w] with zeros elsewhere, dst planes Hp×Wp; parallel over planes.
    /// </summary>
    internal static unsafe void PadPlanes(float* src, int planes, int h, int w, float* dst, int hp, int wp, int border, VectorWidth rowWidth)
    {
        nint sp = (nint)src, dp = (nint)dst;
        Workers.For(planes, Math.Max(1, 16384 / (hp * wp)), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
        {
            for (int plane = s; plane < e; plane++)
            {
                float* from = (float*)sp + (long)plane * h * w;
                float* to = (float*)dp + (long)plane * hp * wp;
                RowKernels.Zero(to, border * wp, rowWidth);
                for (int r = 0; r < h; r++)
                {
                    float* row = to + (long)(border + r) * wp;
                    RowKernels.Zero(row, border, rowWidth);
                    RowKernels.Copy(from + (long)r * w, row + border, w, rowWidth);
                    RowKernels.Zero(row + border + w, wp - border - w, rowWidth);
                }
                RowKernels.Zero(to + (long)(border + h) * wp, (hp - border - h) * wp, rowWidth);
            }
        });
    }

    /// <summary>y[c, :] += bias[c] for <paramref name="channels"/> rows of <paramref name="hw"/> values.</summary>
    internal static void AddChannelBias(float* y, float* bias, int channels, int hw)
    {
        for (int c = 0; c < channels; c++)
        {
            var row = new Span<float>(y + (long)c * hw, hw);
            System.Numerics.Tensors.TensorPrimitives.Add(row, bias[c], row);
        }
    }
}
