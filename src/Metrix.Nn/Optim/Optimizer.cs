using System.Globalization;
using Metrix.Tensors;

namespace Metrix.Nn;

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
