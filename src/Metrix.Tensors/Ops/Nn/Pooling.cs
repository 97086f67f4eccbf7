using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Max pooling over [N,C,H,W] with a square window (−∞ padding, floor mode), output
    /// [N,C,(H+2p−k)/s+1,(W+2p−k)/s+1]. ∂x routes each output's gradient to its arg-max (first on ties). The vector
    /// or scalar window scans are those of <paramref name="kernels"/> (default <see cref="KernelOptions.Default"/>).
    /// </summary>
    public static unsafe Tensor MaxPool2d(Tensor x, int kernel, int stride, int padding, KernelOptions? kernels = null)
    {
        var options = kernels ?? KernelOptions.Default;
        bool vector = options.VectorMaxPool, gather = options.GatherMaxPool;
        if (x.Rank != 4) throw new ArgumentException($"MaxPool2d expects [N,C,H,W]; got {Shapes.Format(x.Shape)}");
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        int oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1;
        var y = Tensor.Empty(x.Dim(0), x.Dim(1), oh, ow);
        var argT = IndexBuffer(planes * oh * ow);
        nint xp = (nint)x.Pointer, yp = (nint)y.Pointer, arg = (nint)argT.Pointer;
        Workers.For(planes, Math.Max(1, 4096 / Math.Max(1, oh * ow)), (s, e) =>
            MaxPoolPlanes((float*)xp, (float*)yp, (int*)arg, s, e, h, w, oh, ow, kernel, stride, padding, vector, gather));
        return Autograd.Record(y, "max_pool2d", (g, grads) => RouteToArgs(x, g, argT, planes, h * w, oh * ow, grads), x);
    }

    /// <summary>
    /// Planes [s, e) of <see cref="MaxPool2d"/>. Eight output columns run at once: each tap's values are gathered
    /// (−∞ and index −1 outside the image) and taken where larger, NaN, or first valid — the scalar rule
    /// <see cref="MaxPoolWindow"/> applies per output, without its unpredictable branches. With AVX2 a tap is one
    /// masked gather (lanes outside the image are not read); otherwise the lanes are loaded one by one. Without
    /// <paramref name="vector"/> every output runs the scalar reference.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaxPoolPlanes(float* xp, float* yp, int* argp, int s, int e, int h, int w, int oh, int ow, int kernel, int stride, int padding,
        bool vector, bool gather)
    {
        float* tv = stackalloc float[8];
        int* ti = stackalloc int[8];
        int vectorEnd = vector && Vector256.IsHardwareAccelerated ? ow & ~7 : 0;
        gather &= Avx2.IsSupported;
        // Column of lane l for tap 0 of output column j: (j + l)·stride − padding.
        var laneColumns = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * stride - Vector256.Create(padding);
        var width = Vector256.Create(w);
        var none = Vector256.Create(-1);
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        for (int pl = s; pl < e; pl++)
        {
            float* plane = xp + (long)pl * h * w;
            long o = (long)pl * oh * ow;
            for (int i = 0; i < oh; i++, o += ow)
            {
                int ih0 = i * stride - padding;
                int p0 = Math.Max(0, -ih0), p1 = Math.Min(kernel, h - ih0);
                for (int j = 0; j < vectorEnd; j += 8)
                {
                    var best = negativeInfinity;
                    var index = none;
                    var columns = laneColumns + Vector256.Create(j * stride);
                    for (int p = p0; p < p1; p++)
                    {
                        int rowStart = (ih0 + p) * w;
                        for (int q = 0; q < kernel; q++)
                        {
                            Vector256<float> v;
                            Vector256<int> vi;
                            if (gather)
                            {
                                var col = columns + Vector256.Create(q);
                                var inside = Vector256.GreaterThanOrEqual(col, Vector256<int>.Zero) & Vector256.LessThan(col, width);
                                var at = col + Vector256.Create(rowStart);
                                v = Avx2.GatherMaskVector256(negativeInfinity, plane, at, inside.AsSingle(), 4);
                                vi = Vector256.ConditionalSelect(inside, at, none);
                            }
                            else
                            {
                                for (int l = 0; l < 8; l++)
                                {
                                    int col = (j + l) * stride - padding + q;
                                    bool inside = (uint)col < (uint)w;
                                    tv[l] = inside ? plane[rowStart + col] : float.NegativeInfinity;
                                    ti[l] = inside ? rowStart + col : -1;
                                }
                                v = Vector256.Load(tv);
                                vi = Vector256.Load(ti);
                            }
                            var take = Vector256.GreaterThanOrEqual(vi, Vector256<int>.Zero)
                                & (Vector256.GreaterThan(v, best).AsInt32()
                                   | Vector256.Equals(v, v).AsInt32() ^ Vector256<int>.AllBitsSet
                                   | Vector256.LessThan(index, Vector256<int>.Zero));
                            best = Vector256.ConditionalSelect(take.AsSingle(), v, best);
                            index = Vector256.ConditionalSelect(take, vi, index);
                        }
                    }
                    best.Store(yp + o + j);
                    index.Store(argp + o + j);
                }
                for (int j = vectorEnd; j < ow; j++)
                    MaxPoolWindow(plane, yp + o + j, argp + o + j, ih0, p0, p1, j * stride - padding, w, kernel);
            }
        }
    }

    /// <summary>One window, scanned in row order: a tap wins when it is the first, larger, or NaN.</summary>
    private static unsafe void MaxPoolWindow(float* plane, float* y, int* arg, int ih0, int p0, int p1, int iw0, int w, int kernel)
    {
        int q0 = Math.Max(0, -iw0), q1 = Math.Min(kernel, w - iw0);
        float best = float.NegativeInfinity;
        int bestIndex = -1;
        for (int p = p0; p < p1; p++)
        {
            int rowStart = (ih0 + p) * w + iw0;
            for (int q = q0; q < q1; q++)
            {
                float v = plane[rowStart + q];
                if (v > best || bestIndex < 0 || float.IsNaN(v)) { best = v; bestIndex = rowStart + q; }
            }
        }
        *y = best;
        *arg = bestIndex;
    }

    /// <summary>
    /// Adaptive average pooling to [N,C,outH,outW]: output cell (i,j) averages rows ⌊i·H/outH⌋ … ⌈(i+1)·H/outH⌉
    /// and the matching columns, as PyTorch.
    /// </summary>
    public static unsafe Tensor AdaptiveAvgPool2d(Tensor x, int outH, int outW)
    {
        if (x.Rank != 4) throw new ArgumentException($"AdaptiveAvgPool2d expects [N,C,H,W]; got {Shapes.Format(x.Shape)}");
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        var y = Tensor.Empty(x.Dim(0), x.Dim(1), outH, outW);
        float* xp = x.Pointer, yp = y.Pointer;
        Workers.For(planes, 16, (s, e) =>
        {
            for (int pl = s; pl < e; pl++)
                for (int i = 0; i < outH; i++)
                {
                    int h0 = i * h / outH, h1 = ((i + 1) * h + outH - 1) / outH;
                    for (int j = 0; j < outW; j++)
                    {
                        int w0 = j * w / outW, w1 = ((j + 1) * w + outW - 1) / outW;
                        double sum = 0;
                        for (int p = h0; p < h1; p++)
                            sum += System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>(xp + (long)pl * h * w + p * w + w0, w1 - w0));
                        yp[((long)pl * outH + i) * outW + j] = (float)(sum / ((h1 - h0) * (w1 - w0)));
                    }
                }
        });
        return Autograd.Record(y, "adaptive_avg_pool2d", (g, grads) =>
        {
            var gx = x.ZerosLike();
            float* gp = g.Pointer, gxp = gx.Pointer;
            Workers.For(planes, 16, (s, e) =>
            {
                for (int pl = s; pl < e; pl++)
                    for (int i = 0; i < outH; i++)
                    {
                        int h0 = i * h / outH, h1 = ((i + 1) * h + outH - 1) / outH;
                        for (int j = 0; j < outW; j++)
                        {
                            int w0 = j * w / outW, w1 = ((j + 1) * w + outW - 1) / outW;
                            float v = gp[((long)pl * outH + i) * outW + j] / ((h1 - h0) * (w1 - w0));
                            for (int p = h0; p < h1; p++)
                                for (int q = w0; q < w1; q++) gxp[(long)pl * h * w + p * w + q] += v;
                        }
                    }
            });
            grads.Take(x, gx);
        }, x);
    }

    /// <summary>Adaptive max pooling to [N,C,outH,outW] over PyTorch's adaptive windows; ∂x goes to each window's arg-max.</summary>
    public static unsafe Tensor AdaptiveMaxPool2d(Tensor x, int outH, int outW)
    {
        if (x.Rank != 4) throw new ArgumentException($"AdaptiveMaxPool2d expects [N,C,H,W]; got {Shapes.Format(x.Shape)}");
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        var y = Tensor.Empty(x.Dim(0), x.Dim(1), outH, outW);
        var argT = IndexBuffer(planes * outH * outW);
        float* xp = x.Pointer, yp = y.Pointer;
        int* arg = (int*)argT.Pointer;
        Workers.For(planes, 16, (s, e) =>
        {
            for (int pl = s; pl < e; pl++)
            {
                float* plane = xp + (long)pl * h * w;
                for (int i = 0; i < outH; i++)
                {
                    int h0 = i * h / outH, h1 = ((i + 1) * h + outH - 1) / outH;
                    for (int j = 0; j < outW; j++)
                    {
                        int w0 = j * w / outW, w1 = ((j + 1) * w + outW - 1) / outW;
                        int bestIndex = h0 * w + w0;
                        float best = plane[bestIndex];
                        for (int p = h0; p < h1; p++)
                            for (int q = w0; q < w1; q++)
                            {
                                float v = plane[p * w + q];
                                if (v > best || float.IsNaN(v)) { best = v; bestIndex = p * w + q; }
                            }
                        long o = ((long)pl * outH + i) * outW + j;
                        yp[o] = best;
                        arg[o] = bestIndex;
                    }
                }
            }
        });
        return Autograd.Record(y, "adaptive_max_pool2d", (g, grads) => RouteToArgs(x, g, argT, planes, h * w, outH * outW, grads), x);
    }

    /// <summary>
    /// Storage for arg-max indices taken from the tensor pool (int bits in a float tensor), so the indices of a
    /// step are recycled with its activations instead of being a fresh large array for the collector every step.
    /// </summary>
    private static Tensor IndexBuffer(int count) => Tensor.Empty(count);

    private static unsafe void RouteToArgs(Tensor x, Tensor g, Tensor argT, int planes, int inPlane, int outPlane, Gradients grads)
    {
        int* arg = (int*)argT.Pointer;
        var gx = x.ZerosLike();
        float* gp = g.Pointer, gxp = gx.Pointer;
        Workers.For(planes, Math.Max(1, 4096 / Math.Max(1, outPlane)), (s, e) =>
        {
            for (int pl = s; pl < e; pl++)
                for (int o = 0; o < outPlane; o++)
                {
                    long oi = (long)pl * outPlane + o;
                    gxp[(long)pl * inPlane + arg[oi]] += gp[oi];
                }
        });
        grads.Take(x, gx);
    }
}
