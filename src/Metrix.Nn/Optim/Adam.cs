using System.Runtime.Intrinsics;
using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// Adam (L2 decay added to the gradient) or AdamW (decoupled: p ← p·(1 − lr·wd) first), with bias
/// correction and ε added after the square root — torch.optim's rules.
/// </summary>
public sealed class Adam(IReadOnlyList<ParamGroup> groups, bool decoupled, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    : Optimizer(groups)
{
    /// <summary>Whether weight decay is decoupled (AdamW).</summary>
    public bool Decoupled { get; } = decoupled;

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, string key, Tensor p, Tensor grad)
    {
        var stepT = StateOf(key, "step", [1]);
        float t = stepT.Span[0] += 1;
        double lr = group.Lr, wd = group.WeightDecay;
        float b1 = (float)beta1, b2 = (float)beta2;
        double bc1 = 1 - Math.Pow(beta1, t), bc2 = 1 - Math.Pow(beta2, t);
        float stepSize = (float)(lr / bc1), sqrtBc2 = (float)Math.Sqrt(bc2), e = (float)eps;
        float decay = Decoupled ? (float)(1 - lr * wd) : 1f, l2 = Decoupled ? 0f : (float)wd;
        unsafe
        {
            float* wp = p.Pointer, gp = grad.Pointer, mp = StateOf(key, "exp_avg", p.Shape).Pointer, vp = StateOf(key, "exp_avg_sq", p.Shape).Pointer;
            nint wn = (nint)wp, gn = (nint)gp, mn = (nint)mp, vn = (nint)vp;
            Workers.For(p.Size, 1 << 14, (s, end) =>
                AdamRange((float*)wn, (float*)gn, (float*)mn, (float*)vn, s, end, decay, l2, b1, b2, stepSize, sqrtBc2, e));
        }
    }

    /// <summary>
    /// Elements [s, end) of the update, in vectors and then a scalar tail; the vector lanes do the scalar
    /// operations in the same order without fusing, so results do not depend on the split.
    /// </summary>
    private static unsafe void AdamRange(float* w, float* g, float* m, float* v, int s, int end,
        float decay, float l2, float b1, float b2, float stepSize, float sqrtBc2, float e)
    {
        int i = s;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vDecay = Vector256.Create(decay), vL2 = Vector256.Create(l2), vB1 = Vector256.Create(b1), vB2 = Vector256.Create(b2),
                vB1c = Vector256.Create(1 - b1), vB2c = Vector256.Create(1 - b2), vStep = Vector256.Create(stepSize),
                vBc2 = Vector256.Create(sqrtBc2), vE = Vector256.Create(e);
            for (; i <= end - 8; i += 8)
            {
                var wv = Vector256.Load(w + i);
                var wi = wv * vDecay;
                var gi = Vector256.Load(g + i) + vL2 * wv;
                var mi = vB1 * Vector256.Load(m + i) + vB1c * gi;
                var vi = vB2 * Vector256.Load(v + i) + vB2c * gi * gi;
                mi.Store(m + i);
                vi.Store(v + i);
                (wi - vStep * mi / (Vector256.Sqrt(vi) / vBc2 + vE)).Store(w + i);
            }
        }
        for (; i < end; i++)
        {
            float wi = w[i] * decay;
            float gi = g[i] + l2 * w[i];
            float mi = m[i] = b1 * m[i] + (1 - b1) * gi;
            float vi = v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            w[i] = wi - stepSize * mi / (MathF.Sqrt(vi) / sqrtBc2 + e);
        }
    }
}
