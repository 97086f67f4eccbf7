using System.Globalization;
using System.Runtime.Intrinsics;
using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>A set of parameters sharing a learning rate and weight decay.</summary>
public sealed class ParamGroup(string name, IReadOnlyList<Tensor> parameters, double lr, double weightDecay)
{
    /// <summary>Name used for the group's state in checkpoints.</summary>
    public string Name { get; } = name;

    /// <summary>The parameters.</summary>
    public IReadOnlyList<Tensor> Parameters { get; } = parameters;

    /// <summary>Current learning rate (schedules change it).</summary>
    public double Lr { get; set; } = lr;

    /// <summary>The learning rate the group started with (schedules scale it).</summary>
    public double InitialLr { get; } = lr;

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; set; } = weightDecay;
}

/// <summary>
/// A first-order optimiser over parameter groups with PyTorch's update rules. Parameters whose gradient
/// is null (or that do not require grad) are skipped, as torch.optim does. State (step counts, moments)
/// round-trips through <see cref="State"/> / <see cref="LoadState"/> for an exact resume.
/// </summary>
public abstract class Optimizer(IReadOnlyList<ParamGroup> groups)
{
    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup> Groups { get; } = groups;

    private readonly Dictionary<string, Tensor> _state = [];

    /// <summary>Applies one update to every parameter with a gradient.</summary>
    public void Step()
    {
        foreach (var group in Groups)
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                var p = group.Parameters[i];
                if (!p.RequiresGrad || p.Grad is null) continue;
                Update(group, $"{group.Name}.{i.ToString(CultureInfo.InvariantCulture)}", p, p.Grad);
            }
    }

    /// <summary>Drops every gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var group in Groups)
            foreach (var p in group.Parameters) { p.Grad?.Dispose(); p.Grad = null; }
    }

    /// <summary>Updates one parameter; <paramref name="key"/> names its state.</summary>
    protected abstract void Update(ParamGroup group, string key, Tensor p, Tensor grad);

    /// <summary>The state tensor <paramref name="key"/>.<paramref name="slot"/>, created as zeros of <paramref name="shape"/> on first use.</summary>
    protected Tensor StateOf(string key, string slot, ReadOnlySpan<int> shape)
    {
        string name = key + "." + slot;
        if (!_state.TryGetValue(name, out var t)) _state[name] = t = Tensor.Persistent(shape);
        return t;
    }

    /// <summary>All state tensors by name, plus each group's learning rate, for checkpoints.</summary>
    public IReadOnlyDictionary<string, Tensor> State()
    {
        var all = new Dictionary<string, Tensor>(_state);
        foreach (var g in Groups)
        {
            var lr = Tensor.Persistent(1);
            lr.Span[0] = (float)g.Lr;
            all[g.Name + ".lr"] = lr;
        }
        return all;
    }

    /// <summary>Restores <see cref="State"/>.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        _state.Clear();
        foreach (var (name, t) in state)
        {
            var group = Groups.FirstOrDefault(g => name == g.Name + ".lr");
            if (group is not null) { group.Lr = t.Span[0]; continue; }
            var copy = Tensor.Persistent(t.Shape);
            t.Span.CopyTo(copy.Span);
            _state[name] = copy;
        }
    }
}

/// <summary>SGD with momentum (dampening 0), optional Nesterov, L2 weight decay added to the gradient.</summary>
public sealed class Sgd(IReadOnlyList<ParamGroup> groups, double momentum = 0, bool nesterov = false) : Optimizer(groups)
{
    /// <inheritdoc/>
    protected override void Update(ParamGroup group, string key, Tensor p, Tensor grad)
    {
        var w = p.Span;
        var g = grad.Span;
        float wd = (float)group.WeightDecay, lr = (float)group.Lr, mu = (float)momentum;
        Span<float> buf = momentum != 0 ? StateOf(key, "momentum_buffer", p.Shape).Span : default;
        var step = StateOf(key, "step", [1]);
        bool first = step.Span[0] == 0;
        step.Span[0] += 1;
        for (int i = 0; i < w.Length; i++)
        {
            float d = g[i] + wd * w[i];
            if (mu != 0)
            {
                buf[i] = first ? d : mu * buf[i] + d;
                d = nesterov ? d + mu * buf[i] : buf[i];
            }
            w[i] -= lr * d;
        }
    }
}

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

/// <summary>A learning-rate schedule set once per epoch from the epoch number alone, so a resumed run gets the same rates.</summary>
public interface ILrSchedule
{
    /// <summary>Sets every group's learning rate for <paramref name="epoch"/> (0-based).</summary>
    void SetEpoch(int epoch);
}

/// <summary>StepLR: every group's lr = initial lr · γ^⌊epoch / step⌋, stepped once per epoch.</summary>
public sealed class StepLR(Optimizer optimizer, int stepSize, double gamma) : ILrSchedule
{
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }

    /// <summary>Ends an epoch and updates the learning rates.</summary>
    public void Step() => SetEpoch(Epoch + 1);

    /// <summary>Sets the epoch count (for resume) and the matching learning rates.</summary>
    public void SetEpoch(int epoch)
    {
        Epoch = epoch;
        foreach (var g in optimizer.Groups) g.Lr = g.InitialLr * Math.Pow(gamma, epoch / Math.Max(1, stepSize));
    }
}

/// <summary>
/// Cosine annealing per epoch (torch's CosineAnnealingLR with T_max = <paramref name="epochs"/> and η_min = 0):
/// lr = initial lr · (1 + cos(π · epoch / epochs)) / 2, from the initial rate at epoch 0 down towards zero,
/// the last epoch still training at (1 − cos(π / epochs)) / 2 of it.
/// </summary>
public sealed class CosineLR(Optimizer optimizer, int epochs) : ILrSchedule
{
    /// <summary>The factor on the initial rate at <paramref name="epoch"/> of <paramref name="epochs"/>.</summary>
    public static double Factor(int epoch, int epochs) => 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(epoch, 0, epochs) / Math.Max(1, epochs)));

    /// <inheritdoc/>
    public void SetEpoch(int epoch)
    {
        double factor = Factor(epoch, epochs);
        foreach (var g in optimizer.Groups) g.Lr = g.InitialLr * factor;
    }
}

/// <summary>Gradient clipping.</summary>
public static class GradClip
{
    /// <summary>Clamps every gradient element to [−clip, clip] (torch.nn.utils.clip_grad_value_).</summary>
    public static void ByValue(IEnumerable<Tensor> parameters, float clip)
    {
        foreach (var p in parameters)
            if (p.Grad is { } g) System.Numerics.Tensors.TensorPrimitives.Clamp(g.Span, -clip, clip, g.Span);
    }
}
