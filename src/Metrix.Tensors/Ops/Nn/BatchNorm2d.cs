using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Batch normalisation over [N,C,H,W] per channel: y = (x − μ)/√(σ² + ε)·γ + β.
    /// Training: μ, σ² are the batch mean and biased variance, and the running statistics are updated in
    /// place (running = (1 − m)·running + m·batch, the variance unbiased), as PyTorch does. Evaluation:
    /// μ, σ² are the running statistics, so the op is a per-channel affine. γ (weight) and β (bias) may be
    /// null (1 and 0); they get gradients only when they require them (a frozen affine does not).
    /// </summary>
    /// <remarks>
    /// <paramref name="groupSum"/>, when given, makes the batch statistics those of the batch of a whole data-parallel
    /// group (synchronised BatchNorm): it sums a buffer of doubles element-wise over the group, in place, and every
    /// member calls the op with its rows at the same point. Forward sums the per-channel Σx and the row count, then
    /// Σ(x − μ)², the same two passes as one process; backward sums Σg and Σg·x̂, which the input gradient needs. γ and
    /// β get this member's share of their gradient only (the group sums those with the other parameters).
    /// </remarks>
    public static unsafe Tensor BatchNorm2d(Tensor x, Tensor? weight, Tensor? bias, Tensor runningMean, Tensor runningVar,
        bool training, float momentum = 0.1f, float eps = 1e-5f, Action<Span<double>>? groupSum = null)
    {
        if (!training) groupSum = null;
        if (x.Rank != 4) throw new ArgumentException($"BatchNorm2d expects [N,C,H,W]; got {Shapes.Format(x.Shape)}");
        int n = x.Dim(0), c = x.Dim(1), hw = x.Dim(2) * x.Dim(3);
        if (runningMean.Size != c || runningVar.Size != c || (weight is not null && weight.Size != c) || (bias is not null && bias.Size != c))
            throw new ArgumentException($"BatchNorm2d parameters must have {c} elements");
        long count = (long)n * hw;
        if (training && groupSum is null && count < 2) throw new ArgumentException($"BatchNorm2d in training needs more than one value per channel; got {Shapes.Format(x.Shape)}");
        var mean = new float[c];
        var invStd = new float[c];
        float* xp = x.Pointer;
        if (groupSum is not null)
        {
            count = GroupStatistics(xp, n, c, hw, count, runningMean, runningVar, momentum, eps, mean, invStd, groupSum);
            if (count < 2) throw new ArgumentException($"BatchNorm2d in training needs more than one value per channel over the group; got {count}");
        }
        else if (training)
        {
            Workers.For(c, 1, (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(xp + ((long)i * c + ch) * hw, hw));
                    double mu = sum / count;
                    double sq = 0;
                    for (int i = 0; i < n; i++)
                    {
                        var row = new ReadOnlySpan<float>(xp + ((long)i * c + ch) * hw, hw);
                        for (int j = 0; j < row.Length; j++) { double d = row[j] - mu; sq += d * d; }
                    }
                    double variance = sq / count;
                    mean[ch] = (float)mu;
                    invStd[ch] = (float)(1.0 / Math.Sqrt(variance + eps));
                    runningMean.Span[ch] = (1 - momentum) * runningMean.Span[ch] + momentum * (float)mu;
                    runningVar.Span[ch] = (1 - momentum) * runningVar.Span[ch] + momentum * (float)(sq / (count - 1));
                }
            });
        }
        else
        {
            for (int ch = 0; ch < c; ch++)
            {
                mean[ch] = runningMean.Span[ch];
                invStd[ch] = 1f / MathF.Sqrt(runningVar.Span[ch] + eps);
            }
        }
        var y = x.EmptyLike();
        float* yp = y.Pointer;
        var scale = new float[c];
        var shift = new float[c];
        for (int ch = 0; ch < c; ch++)
        {
            float gamma = weight?.Span[ch] ?? 1f, beta = bias?.Span[ch] ?? 0f;
            scale[ch] = gamma * invStd[ch];
            shift[ch] = beta - mean[ch] * scale[ch];
        }
        Workers.For(n * c, Math.Max(1, 16384 / Math.Max(1, hw)), (s, e) =>
        {
            for (int plane = s; plane < e; plane++)
            {
                int ch = plane % c;
                if (!training)
                {
                    RowKernels.Affine(xp + (long)plane * hw, scale[ch], shift[ch], yp + (long)plane * hw, hw);
                    continue;
                }
                // Batch statistics: two roundings (x·k, then + shift), the order the parity fixtures were checked with.
                var dst = new Span<float>(yp + (long)plane * hw, hw);
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(xp + (long)plane * hw, hw), scale[ch], dst);
                TensorPrimitives.Add(dst, shift[ch], dst);
            }
        });
        Tensor[] inputs = weight is null ? (bias is null ? [x] : [x, bias]) : (bias is null ? [x, weight] : [x, weight, bias]);
        return Autograd.Record(y, "batch_norm2d", (g, grads) =>
        {
            float* gp = g.Pointer;
            bool needX = Gradients.Needs(x), needW = weight is not null && Gradients.Needs(weight), needB = bias is not null && Gradients.Needs(bias);
            // Per channel: Σg and Σg·x̂ with x̂ = (x − μ)·invStd; not needed by a frozen (running-statistics, no affine
            // gradient) layer, whose backward is the per-channel scale alone.
            var sumG = new double[c];
            var sumGx = new double[c];
            if (training || needW || needB) Workers.For(c, 1, (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    double sg = 0, sgx = 0;
                    float mu = mean[ch];
                    for (int i = 0; i < n; i++)
                    {
                        long off = ((long)i * c + ch) * hw;
                        var gr = new ReadOnlySpan<float>(gp + off, hw);
                        var xr = new ReadOnlySpan<float>(xp + off, hw);
                        sg += TensorPrimitives.Sum(gr);
                        double dot = TensorPrimitives.Dot(gr, xr);
                        sgx += dot - mu * TensorPrimitives.Sum(gr);
                    }
                    sumG[ch] = sg;
                    sumGx[ch] = sgx * invStd[ch];
                }
            });
            // Synchronised: the input gradient needs the group's sums; γ and β keep this member's share.
            var groupG = sumG;
            var groupGx = sumGx;
            if (groupSum is not null && needX)
            {
                var both = new double[2 * c];
                sumG.CopyTo(both, 0);
                sumGx.CopyTo(both, c);
                groupSum(both);
                groupG = both[..c];
                groupGx = both[c..];
            }
            if (needW)
            {
                var gw = grads.Slot(weight!, out bool fresh);
                for (int ch = 0; ch < c; ch++) gw.Span[ch] = (fresh ? 0f : gw.Span[ch]) + (float)sumGx[ch];
            }
            if (needB)
            {
                var gb = grads.Slot(bias!, out bool fresh);
                for (int ch = 0; ch < c; ch++) gb.Span[ch] = (fresh ? 0f : gb.Span[ch]) + (float)sumG[ch];
            }
            if (!needX) return;
            var gx = x.EmptyLike();
            float* gxp = gx.Pointer;
            // Training: ∂x = γ·invStd·(g − mean(g) − x̂·mean(g·x̂)); evaluation: ∂x = g·γ·invStd.
            var a = new float[c];
            var b = new float[c];
            var d = new float[c];
            for (int ch = 0; ch < c; ch++)
            {
                float k = scale[ch];
                if (training)
                {
                    double mg = groupG[ch] / count, mgx = groupGx[ch] / count;
                    // ∂x = k·g − k·mg − k·x̂·mgx = k·g + (−k·invStd·mgx)·x + (k·mg·… ) folded into a·g + b·x + d
                    a[ch] = k;
                    b[ch] = (float)(-k * invStd[ch] * mgx);
                    d[ch] = (float)(-k * mg + k * invStd[ch] * mgx * mean[ch]);
                }
                else { a[ch] = k; b[ch] = 0; d[ch] = 0; }
            }
            Workers.For(n * c, Math.Max(1, 16384 / Math.Max(1, hw)), (s, e) =>
            {
                for (int plane = s; plane < e; plane++)
                {
                    int ch = plane % c;
                    var dst = new Span<float>(gxp + (long)plane * hw, hw);
                    var gr = new ReadOnlySpan<float>(gp + (long)plane * hw, hw);
                    if (!training) { RowKernels.Affine(gp + (long)plane * hw, a[ch], 0f, gxp + (long)plane * hw, hw); continue; }
                    var xr = new ReadOnlySpan<float>(xp + (long)plane * hw, hw);
                    TensorPrimitives.Multiply(xr, b[ch], dst);
                    TensorPrimitives.Add(dst, d[ch], dst);
                    TensorPrimitives.MultiplyAdd(gr, a[ch], dst, dst);
                }
            });
            grads.Take(x, gx);
        }, inputs);
    }

    /// <summary>
    /// The batch mean and 1/√(σ² + ε) per channel over a data-parallel group's rows (<paramref name="groupSum"/> sums
    /// over the group), and the running statistics updated with them; returns the group's value count per channel.
    /// </summary>
    private static unsafe long GroupStatistics(float* xp, int n, int c, int hw, long count, Tensor runningMean, Tensor runningVar,
        float momentum, float eps, float[] mean, float[] invStd, Action<Span<double>> groupSum)
    {
        var sums = new double[c + 1];
        nint xn = (nint)xp;
        Workers.For(c, 1, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(new ReadOnlySpan<float>((float*)xn + ((long)i * c + ch) * hw, hw));
                sums[ch] = sum;
            }
        });
        sums[c] = count;
        groupSum(sums);
        long total = (long)sums[c];
        if (total < 2) return total;
        var mu = new double[c];
        for (int ch = 0; ch < c; ch++) mu[ch] = sums[ch] / total;
        var squares = new double[c];
        Workers.For(c, 1, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double sq = 0, m = mu[ch];
                for (int i = 0; i < n; i++)
                {
                    var row = new ReadOnlySpan<float>((float*)xn + ((long)i * c + ch) * hw, hw);
                    for (int j = 0; j < row.Length; j++) { double d = row[j] - m; sq += d * d; }
                }
                squares[ch] = sq;
            }
        });
        groupSum(squares);
        for (int ch = 0; ch < c; ch++)
        {
            double variance = squares[ch] / total;
            mean[ch] = (float)mu[ch];
            invStd[ch] = (float)(1.0 / Math.Sqrt(variance + eps));
            runningMean.Span[ch] = (1 - momentum) * runningMean.Span[ch] + momentum * (float)mu[ch];
            runningVar.Span[ch] = (1 - momentum) * runningVar.Span[ch] + momentum * (float)(squares[ch] / (total - 1));
        }
        return total;
    }

    /// <summary>
    /// relu(batch_norm(x) + residual) (residual optional), the ResNet joins. With running statistics and no affine
    /// gradient (a frozen layer) it is one pass forward, y = max(x·k + b (+ r), 0), and one backward,
    /// ∂x = k·g·[y &gt; 0], ∂r = g·[y &gt; 0], keeping one activation instead of two; otherwise it is
    /// <see cref="BatchNorm2d"/> followed by <see cref="Relu"/> or <see cref="AddRelu"/>.
    /// </summary>
    public static unsafe Tensor BatchNorm2dRelu(Tensor x, Tensor? weight, Tensor? bias, Tensor runningMean, Tensor runningVar,
        bool training, Tensor? residual = null, float momentum = 0.1f, float eps = 1e-5f, Action<Span<double>>? groupSum = null)
    {
        bool affineGrad = (weight is not null && weight.RequiresGrad) || (bias is not null && bias.RequiresGrad);
        if (training || (affineGrad && Autograd.IsEnabled))
        {
            var normalized = BatchNorm2d(x, weight, bias, runningMean, runningVar, training, momentum, eps, groupSum);
            return residual is null ? Relu(normalized) : AddRelu(normalized, residual);
        }
        if (x.Rank != 4) throw new ArgumentException($"BatchNorm2dRelu expects [N,C,H,W]; got {Shapes.Format(x.Shape)}");
        if (residual is not null && !Shapes.Equal(x.Shape, residual.Shape))
            throw new ArgumentException($"BatchNorm2dRelu residual must match {Shapes.Format(x.Shape)}; got {Shapes.Format(residual.Shape)}");
        int c = x.Dim(1), hw = x.Dim(2) * x.Dim(3), planes = x.Dim(0) * c;
        if (runningMean.Size != c || runningVar.Size != c || (weight is not null && weight.Size != c) || (bias is not null && bias.Size != c))
            throw new ArgumentException($"BatchNorm2dRelu parameters must have {c} elements");
        var scale = new float[c];
        var shift = new float[c];
        for (int ch = 0; ch < c; ch++)
        {
            float invStd = 1f / MathF.Sqrt(runningVar.Span[ch] + eps);
            scale[ch] = (weight?.Span[ch] ?? 1f) * invStd;
            shift[ch] = (bias?.Span[ch] ?? 0f) - runningMean.Span[ch] * scale[ch];
        }
        var y = x.EmptyLike();
        nint xp = (nint)x.Pointer, yp = (nint)y.Pointer, rp = residual is null ? 0 : (nint)residual.Pointer;
        Workers.For(planes, Math.Max(1, 16384 / Math.Max(1, hw)), (s, e) =>
        {
            for (int plane = s; plane < e; plane++)
            {
                int ch = plane % c;
                long off = (long)plane * hw;
                RowKernels.AffineRelu((float*)xp + off, scale[ch], shift[ch], rp == 0 ? null : (float*)rp + off, (float*)yp + off, hw);
            }
        });
        Tensor[] inputs = residual is null ? [x] : [x, residual];
        return Autograd.Record(y, residual is null ? "batch_norm2d_relu" : "batch_norm2d_add_relu", (g, grads) =>
        {
            bool needX = Gradients.Needs(x), needR = residual is not null && Gradients.Needs(residual);
            var gx = needX ? x.EmptyLike() : null;
            var gr = needR ? x.EmptyLike() : null;
            nint gp = (nint)g.Pointer, gxp = gx is null ? 0 : (nint)gx.Pointer, grp = gr is null ? 0 : (nint)gr.Pointer;
            Workers.For(planes, Math.Max(1, 16384 / Math.Max(1, hw)), (s, e) =>
            {
                for (int plane = s; plane < e; plane++)
                {
                    long off = (long)plane * hw;
                    RowKernels.MaskedScale((float*)gp + off, (float*)yp + off, scale[plane % c],
                        gxp == 0 ? null : (float*)gxp + off, grp == 0 ? null : (float*)grp + off, hw);
                }
            });
            if (gx is not null) grads.Take(x, gx);
            if (gr is not null) grads.Take(residual!, gr);
        }, inputs);
    }
}
