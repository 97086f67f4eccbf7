using Metrix.Tensors;

namespace Metrix.Nn;

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
