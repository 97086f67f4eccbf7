using Metrix.Tensors;

namespace Metrix.Mixup;

/// <summary>Differentiable mixing of rows and of layer-4 feature maps.</summary>
public static class MixOps
{
    /// <summary>
    /// mix_λ of rows: y[m] = λ·x[i[m]] + (1 − λ)·x[j[m]] for x [N,…]. ∂x[i[m]] += λ·g[m], ∂x[j[m]] += (1 − λ)·g[m].
    /// </summary>
    public static unsafe Tensor MixRows(Tensor x, int[] i, int[] j, float lambda)
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
                System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)xn + (long)i[m] * width, width), lambda, dst);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)xn + (long)j[m] * width, width), 1 - lambda, dst, dst);
            }
        });
        return Autograd.Record(y, "mix_rows", (g, grads) =>
        {
            var gx = x.ZerosLike();
            float* gp = g.Pointer, gxp = gx.Pointer;
            for (int m = 0; m < rows; m++)
            {
                var src = new ReadOnlySpan<float>(gp + (long)m * width, width);
                var di = new Span<float>(gxp + (long)i[m] * width, width);
                var dj = new Span<float>(gxp + (long)j[m] * width, width);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(src, lambda, di, di);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(src, 1 - lambda, dj, dj);
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
    public static unsafe Tensor MixedPool(Tensor features, int[] i, int[] j, float lambda)
    {
        if (features.Rank != 4) throw new ArgumentException($"MixedPool expects [N,C,H,W]; got {Shapes.Format(features.Shape)}");
        int n = features.Dim(0), c = features.Dim(1), hw = features.Dim(2) * features.Dim(3), mixes = i.Length;
        var avg = new float[n * c];
        float* fp = features.Pointer;
        nint fn = (nint)fp;
        Workers.For(n * c, 256, (s, e) =>
        {
            for (int p = s; p < e; p++)
                avg[p] = System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>((float*)fn + (long)p * hw, hw)) / hw;
        });
        var y = Tensor.Empty(mixes, c);
        // Arg-max positions as int bits in a pooled tensor: recycled with the step's activations.
        var argT = Tensor.Empty(mixes * c);
        int* arg = (int*)argT.Pointer;
        float* yp = y.Pointer;
        nint yn = (nint)yp;
        float mu = 1 - lambda;
        int width = c * hw;
        Workers.For(mixes, 16, (m0, m1) =>
        {
            // One image's mixed maps at a time: λ·F[i] + (1 − λ)·F[j] as a vector pass, then the max of each channel.
            float[] mixedRow = new float[width];
            for (int m = m0; m < m1; m++)
            {
                var row = mixedRow.AsSpan();
                System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)fn + (long)i[m] * width, width), lambda, row);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)fn + (long)j[m] * width, width), mu, row, row);
                for (int ch = 0; ch < c; ch++)
                {
                    var taps = row.Slice(ch * hw, hw);
                    float best = taps[0];
                    int bestT = 0;
                    for (int t = 1; t < taps.Length; t++)
                    {
                        float v = taps[t];
                        bool take = v > best;
                        best = take ? v : best;
                        bestT = take ? t : bestT;
                    }
                    arg[m * c + ch] = bestT;
                    ((float*)yn)[(long)m * c + ch] = best + lambda * avg[i[m] * c + ch] + mu * avg[j[m] * c + ch];
                }
            }
        });
        return Autograd.Record(y, "mixed_pool", (g, grads) =>
        {
            GC.KeepAlive(argT);
            var gf = features.ZerosLike();
            float* gp = g.Pointer, gfp = gf.Pointer;
            nint gpn = (nint)gp, gfn = (nint)gfp;
            // Parallel over channel ranges: every write of a channel stays in its range (deterministic); within a
            // range the mixes run in order, so consecutive writes fall in the same images' maps.
            var gAvg = new float[n * c];
            Workers.For(c, 1, (c0, c1) =>
            {
                for (int m = 0; m < mixes; m++)
                {
                    int im = i[m], jm = j[m];
                    float* gRow = (float*)gpn + (long)m * c;
                    float* fi = (float*)gfn + (long)im * c * hw, fj = (float*)gfn + (long)jm * c * hw;
                    for (int ch = c0; ch < c1; ch++)
                    {
                        float gv = gRow[ch];
                        int t = arg[m * c + ch];
                        fi[ch * hw + t] += lambda * gv;
                        fj[ch * hw + t] += mu * gv;
                        gAvg[im * c + ch] += lambda * gv;
                        gAvg[jm * c + ch] += mu * gv;
                    }
                }
                for (int img = 0; img < n; img++)
                    for (int ch = c0; ch < c1; ch++)
                    {
                        float ga = gAvg[img * c + ch];
                        if (ga == 0) continue;
                        var plane = new Span<float>((float*)gfn + ((long)img * c + ch) * hw, hw);
                        System.Numerics.Tensors.TensorPrimitives.Add(plane, ga / hw, plane);
                    }
            });
            grads.Take(features, gf);
        }, features);
    }
}
