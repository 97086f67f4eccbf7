namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Max pooling over [N,C,H,W] with a square window (−∞ padding, floor mode), output
    /// [N,C,(H+2p−k)/s+1,(W+2p−k)/s+1]. ∂x routes each output's gradient to its arg-max (first on ties).
    /// </summary>
    public static unsafe Tensor MaxPool2d(Tensor x, int kernel, int stride, int padding)
    {
        if (x.Rank != 4) throw new ArgumentException($"MaxPool2d expects [N,C,H,W]; got {Shapes.Format(x.Shape)}");
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        int oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1;
        var y = Tensor.Empty(x.Dim(0), x.Dim(1), oh, ow);
        var arg = new int[planes * oh * ow];
        nint xp = (nint)x.Pointer, yp = (nint)y.Pointer;
        Workers.For(planes, Math.Max(1, 4096 / Math.Max(1, oh * ow)), (s, e) =>
            MaxPoolPlanes((float*)xp, (float*)yp, arg, s, e, h, w, oh, ow, kernel, stride, padding));
        return Autograd.Record(y, "max_pool2d", (g, grads) => RouteToArgs(x, g, arg, planes, h * w, oh * ow, grads), x);
    }

    /// <summary>Planes [s, e) of <see cref="MaxPool2d"/>: each window's taps clipped to the image once, scanned in row order.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaxPoolPlanes(float* xp, float* yp, int[] arg, int s, int e, int h, int w, int oh, int ow, int kernel, int stride, int padding)
    {
        fixed (int* argp = arg)
        {
            for (int pl = s; pl < e; pl++)
            {
                float* plane = xp + (long)pl * h * w;
                long o = (long)pl * oh * ow;
                for (int i = 0; i < oh; i++)
                {
                    int ih0 = i * stride - padding;
                    int p0 = Math.Max(0, -ih0), p1 = Math.Min(kernel, h - ih0);
                    for (int j = 0; j < ow; j++, o++)
                    {
                        int iw0 = j * stride - padding;
                        int q0 = Math.Max(0, -iw0), q1 = Math.Min(kernel, w - iw0);
                        // The first tap seeds the search; later ones win when larger or NaN (selects, no branches).
                        int bestIndex = (ih0 + p0) * w + iw0 + q0;
                        float best = plane[bestIndex];
                        for (int p = p0; p < p1; p++)
                        {
                            int rowStart = (ih0 + p) * w + iw0;
                            for (int q = p == p0 ? q0 + 1 : q0; q < q1; q++)
                            {
                                float v = plane[rowStart + q];
                                bool take = (v > best) | float.IsNaN(v);
                                best = take ? v : best;
                                bestIndex = take ? rowStart + q : bestIndex;
                            }
                        }
                        yp[o] = best;
                        argp[o] = bestIndex;
                    }
                }
            }
        }
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
        var arg = new int[planes * outH * outW];
        float* xp = x.Pointer, yp = y.Pointer;
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
        return Autograd.Record(y, "adaptive_max_pool2d", (g, grads) => RouteToArgs(x, g, arg, planes, h * w, outH * outW, grads), x);
    }

    private static unsafe void RouteToArgs(Tensor x, Tensor g, int[] arg, int planes, int inPlane, int outPlane, Gradients grads)
    {
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
