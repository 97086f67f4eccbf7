using System.Runtime.CompilerServices;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, groups 1, dilation 1) of x [N,C,H,W] with weight [O,C,kh,kw] and an
    /// optional bias [O]: y[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q]·x[n,c,i·s+p−pad,j·s+q−pad] (zero padding),
    /// output [N,O,(H+2pad−kh)/s+1,(W+2pad−kw)/s+1].
    /// </summary>
    /// <remarks>
    /// The forward and both gradients run by <paramref name="algorithm"/>, by default the one
    /// <see cref="ConvAlgorithms.Plan"/> picks for the shape (see <see cref="IConvAlgorithm"/>), with the kernels of
    /// <paramref name="kernels"/> (default <see cref="KernelOptions.Default"/>). The bias gradient is Σ gY per channel.
    /// </remarks>
    /// <exception cref="ArgumentException">The shapes do not match, the output would be empty, or
    /// <paramref name="algorithm"/> does not support the shape.</exception>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0,
        IConvAlgorithm? algorithm = null, KernelOptions? kernels = null)
    {
        if (x.Rank != 4 || weight.Rank != 4 || weight.Dim(1) != x.Dim(1))
            throw new ArgumentException($"Conv2d expects x [N,C,H,W] and weight [O,C,kh,kw]; got {Shapes.Format(x.Shape)} and {Shapes.Format(weight.Shape)}");
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != weight.Dim(0)))
            throw new ArgumentException($"Conv2d bias must be [{weight.Dim(0)}]; got {Shapes.Format(bias.Shape)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var g = ConvShape.Of(x, weight, stride, padding);
        if (g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException($"Conv2d output would be empty: input {Shapes.Format(x.Shape)}, kernel {g.KH}×{g.KW}, stride {stride}, padding {padding}");
        var conv = algorithm ?? ConvAlgorithms.Plan(g);
        if (!conv.Supports(g))
            throw new ArgumentException($"Conv2d: the {conv.Name} algorithm does not support input {Shapes.Format(x.Shape)}, kernel {g.KH}×{g.KW}, stride {stride}, padding {padding}");
        var options = kernels ?? KernelOptions.Default;
        var y = Tensor.Empty(g.N, g.O, g.OutH, g.OutW);
        unsafe { conv.Forward(g, x.Pointer, weight.Pointer, bias is null ? null : bias.Pointer, y.Pointer, options); }
        return Autograd.Record(y, "conv2d", (gy, grads) => ConvBackward(conv, options, g, x, weight, bias, gy, grads),
            bias is null ? [x, weight] : [x, weight, bias]);
    }

    private static unsafe void ConvBackward(IConvAlgorithm conv, KernelOptions options, ConvShape g, Tensor x, Tensor weight, Tensor? bias,
        Tensor gy, Gradients grads)
    {
        int hw = g.OutH * g.OutW;
        bool needX = Gradients.Needs(x), needW = Gradients.Needs(weight), needB = bias is not null && Gradients.Needs(bias);
        float* gyp = gy.Pointer;
        if (needB)
        {
            var gb = grads.Slot(bias!, out bool fresh);
            float* gbp = gb.Pointer;
            int o = g.O, n = g.N;
            Workers.For(o, 8, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, e) =>
            {
                for (int c = s; c < e; c++)
                {
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += Elementwise.Sum(new ReadOnlySpan<float>(gyp + ((long)i * o + c) * hw, hw));
                    gbp[c] = fresh ? (float)sum : gbp[c] + (float)sum;
                }
            });
        }
        if (!needX && !needW) return;
        bool gwFresh = false, gxFresh = false;
        float* gw = needW ? grads.Slot(weight, out gwFresh).Pointer : null;
        float* gx = needX ? grads.Slot(x, out gxFresh).Pointer : null;
        conv.Backward(g, x.Pointer, weight.Pointer, gyp, gx, !gxFresh, gw, !gwFresh, options);
    }
}
