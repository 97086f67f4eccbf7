using System.Runtime.Intrinsics;
using Metrix.Tensors;

namespace Metrix.Mixup;

/// <summary>Differentiable mixing of rows and of layer-4 feature maps.</summary>
public static class MixOps
{
    /// <summary>
    /// mix_λ of rows: y[m] = λ·x[i[m]] + (1 − λ)·x[j[m]] for x [N,…]. ∂x[i[m]] += λ·g[m], ∂x[j[m]] += (1 − λ)·g[m].
    /// </summary>
    public static Tensor MixRows(Tensor x, int[] i, int[] j, float lambda) => Mix(x, i, j, _ => lambda);

    /// <summary>
    /// mix of rows with a factor per row: y[m] = λ[m]·x[i[m]] + (1 − λ[m])·x[j[m]] for x [N,…] (MoCHi draws a factor
    /// per synthetic point; proxy synthesis passes λ = 1 with i = j to carry clean rows through).
    /// ∂x[i[m]] += λ[m]·g[m], ∂x[j[m]] += (1 − λ[m])·g[m].
    /// </summary>
    public static Tensor MixRows(Tensor x, int[] i, int[] j, float[] lambdas)
    {
        if (i.Length != j.Length || i.Length != lambdas.Length)
            throw new ArgumentException($"MixRows: {i.Length} first rows, {j.Length} second rows and {lambdas.Length} factors");
        return Mix(x, i, j, m => lambdas[m]);
    }

    private static unsafe Tensor Mix(Tensor x, int[] i, int[] j, Func<int, float> lambda)
    {
        int rows = i.Length, width = x.Size / x.Dim(0);
        var shape = x.ShapeArray();
        shape[0] = rows;
        var y = Tensor.Empty(shape);
        float* xp = x.Pointer, yp = y.Pointer;
        nint xn = (nint)xp, yn = (nint)yp;
        Workers.For(rows, Math.Max(1, 8192 / Math.Max(1, width)), (m0, m1) =>
        {
            for (int m = m0; m < m1; m++)
            {
                var dst = new Span<float>((float*)yn + (long)m * width, width);
                float l = lambda(m);
                System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)xn + (long)i[m] * width, width), l, dst);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)xn + (long)j[m] * width, width), 1 - l, dst, dst);
            }
        });
        return Autograd.Record(y, "mix_rows", (g, grads) =>
        {
            var gx = x.ZerosLike();
            float* gp = g.Pointer, gxp = gx.Pointer;
            for (int m = 0; m < rows; m++)
            {
                float l = lambda(m);
                var src = new ReadOnlySpan<float>(gp + (long)m * width, width);
                var di = new Span<float>(gxp + (long)i[m] * width, width);
                var dj = new Span<float>(gxp + (long)j[m] * width, width);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(src, l, di, di);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(src, 1 - l, dj, dj);
            }
            grads.Take(x, gx);
        }, x);
    }

    /// <summary>
    /// The head's pooling of mixed feature maps without building them: for features [N,C,H,W] and mixes
    /// (i[m], j[m]), y[m,c] = avg(mix) + max(mix) with mix = λ·F[i[m],c] + (1 − λ)·F[j[m],c]. Average pooling
    /// is linear (pooled once, then mixed); the max is taken over the mixed values on the fly and its
    /// position remembered, so the backward routes λ·g and (1 − λ)·g to that position of both maps.
    /// </summary>
    /// <remarks>
    /// The maps are first laid out tap-major, [N, H·W, C], so that both passes run over channels in vectors: the
    /// forward keeps a running maximum and its tap per channel, the backward adds each mix's gradient to the chosen
    /// tap of both maps with a mask per tap (parallel over channel ranges, mixes in order: deterministic).
    /// </remarks>
    public static unsafe Tensor MixedPool(Tensor features, int[] i, int[] j, float lambda)
    {
        if (features.Rank != 4) throw new ArgumentException($"MixedPool expects [N,C,H,W]; got {Shapes.Format(features.Shape)}");
        int n = features.Dim(0), c = features.Dim(1), hw = features.Dim(2) * features.Dim(3), mixes = i.Length;
        float mu = 1 - lambda;
        // Tap-major copy of the maps and the per-channel averages.
        var tapMajor = Tensor.Empty(n * hw * c);
        var avgT = Tensor.Empty(n * c);
        nint fn = (nint)features.Pointer, tn = (nint)tapMajor.Pointer, an = (nint)avgT.Pointer;
        Workers.For(n, 1, (n0, n1) =>
        {
            for (int img = n0; img < n1; img++)
            {
                float* src = (float*)fn + (long)img * c * hw, dst = (float*)tn + (long)img * hw * c, avg = (float*)an + (long)img * c;
                for (int ch = 0; ch < c; ch++)
                {
                    float sum = 0;
                    for (int t = 0; t < hw; t++)
                    {
                        float v = src[ch * hw + t];
                        dst[t * c + ch] = v;
                        sum += v;
                    }
                    avg[ch] = sum / hw;
                }
            }
        });
        var y = Tensor.Empty(mixes, c);
        // Arg-max taps as int bits in a pooled tensor: recycled with the step's activations.
        var argT = Tensor.Empty(mixes * c);
        nint yn = (nint)y.Pointer, argn = (nint)argT.Pointer;
        Workers.For(mixes, 16, (m0, m1) =>
        {
            var vl = Vector256.Create(lambda);
            var vm = Vector256.Create(mu);
            for (int m = m0; m < m1; m++)
            {
                float* fi = (float*)tn + (long)i[m] * hw * c, fj = (float*)tn + (long)j[m] * hw * c;
                float* ai = (float*)an + (long)i[m] * c, aj = (float*)an + (long)j[m] * c;
                float* yr = (float*)yn + (long)m * c;
                int* arg = (int*)argn + (long)m * c;
                int ch = 0;
                for (; ch + 8 <= c; ch += 8)
                {
                    var best = vl * Vector256.Load(fi + ch) + vm * Vector256.Load(fj + ch);
                    var bestT = Vector256<int>.Zero;
                    for (int t = 1; t < hw; t++)
                    {
                        var v = vl * Vector256.Load(fi + t * c + ch) + vm * Vector256.Load(fj + t * c + ch);
                        var take = Vector256.GreaterThan(v, best);
                        best = Vector256.ConditionalSelect(take, v, best);
                        bestT = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(t), bestT);
                    }
                    (best + vl * Vector256.Load(ai + ch) + vm * Vector256.Load(aj + ch)).Store(yr + ch);
                    bestT.Store(arg + ch);
                }
                for (; ch < c; ch++)
                {
                    float best = lambda * fi[ch] + mu * fj[ch];
                    int bestT = 0;
                    for (int t = 1; t < hw; t++)
                    {
                        float v = lambda * fi[t * c + ch] + mu * fj[t * c + ch];
                        if (v > best) { best = v; bestT = t; }
                    }
                    yr[ch] = best + lambda * ai[ch] + mu * aj[ch];
                    arg[ch] = bestT;
                }
            }
        });
        return Autograd.Record(y, "mixed_pool", (g, grads) =>
        {
            GC.KeepAlive(argT);
            var gTap = Tensor.Zeros(n * hw * c);
            var gAvgT = Tensor.Zeros(n * c);
            nint gpn = (nint)g.Pointer, gtn = (nint)gTap.Pointer, gan = (nint)gAvgT.Pointer;
            // Parallel over channel ranges: every write of a channel stays in its range (deterministic); within a
            // range the mixes run in order.
            Workers.For(c, 16, (c0, c1) =>
            {
                var vl = Vector256.Create(lambda);
                var vm = Vector256.Create(mu);
                for (int m = 0; m < mixes; m++)
                {
                    int im = i[m], jm = j[m];
                    float* gRow = (float*)gpn + (long)m * c;
                    int* arg = (int*)argn + (long)m * c;
                    float* ti = (float*)gtn + (long)im * hw * c, tj = (float*)gtn + (long)jm * hw * c;
                    float* gi = (float*)gan + (long)im * c, gj = (float*)gan + (long)jm * c;
                    int ch = c0;
                    // A mask per tap pays on small maps (ResNet's 2×2 layer-4 maps at 64 px); on large maps, one scalar
                    // add at the chosen tap is cheaper than a masked add at every tap.
                    for (; hw <= 8 && ch + 8 <= c1; ch += 8)
                    {
                        var gv = Vector256.Load(gRow + ch);
                        var a = Vector256.Load(arg + ch);
                        var li = vl * gv;
                        var lj = vm * gv;
                        (Vector256.Load(gi + ch) + li).Store(gi + ch);
                        (Vector256.Load(gj + ch) + lj).Store(gj + ch);
                        for (int t = 0; t < hw; t++)
                        {
                            var mask = Vector256.Equals(a, Vector256.Create(t)).AsSingle();
                            float* pi = ti + t * c + ch, pj = tj + t * c + ch;
                            (Vector256.Load(pi) + (li & mask)).Store(pi);
                            (Vector256.Load(pj) + (lj & mask)).Store(pj);
                        }
                    }
                    for (; ch < c1; ch++)
                    {
                        float gv = gRow[ch];
                        int t = arg[ch];
                        ti[t * c + ch] += lambda * gv;
                        tj[t * c + ch] += mu * gv;
                        gi[ch] += lambda * gv;
                        gj[ch] += mu * gv;
                    }
                }
            });
            // Back to [N, C, H, W], with the average pooling's share spread over the taps.
            var gf = features.EmptyLike();
            nint gfn = (nint)gf.Pointer;
            Workers.For(n, 1, (n0, n1) =>
            {
                for (int img = n0; img < n1; img++)
                {
                    float* src = (float*)gtn + (long)img * hw * c, dst = (float*)gfn + (long)img * c * hw, ga = (float*)gan + (long)img * c;
                    for (int ch = 0; ch < c; ch++)
                    {
                        float share = ga[ch] / hw;
                        for (int t = 0; t < hw; t++) dst[ch * hw + t] = src[t * c + ch] + share;
                    }
                }
            });
            grads.Take(features, gf);
        }, features);
    }
}
