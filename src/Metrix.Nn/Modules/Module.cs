using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// A node of the network tree: named parameters (persistent tensors that may require grad), named buffers
/// (persistent state such as running statistics) and named children, addressed by dotted paths as PyTorch
/// does (<c>layer1.0.bn1.running_mean</c>).
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Tensor Tensor)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Whether the module is in training mode (see <see cref="Train"/>).</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Registers a parameter under <paramref name="name"/>; it requires grad.</summary>
    protected Tensor Parameter(string name, Tensor tensor)
    {
        tensor.RequireGrad();
        _parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers a buffer (state saved in the state dict, never trained).</summary>
    protected Tensor Buffer(string name, Tensor tensor)
    {
        _buffers.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers a child module.</summary>
    protected T Child<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    /// <summary>Every parameter of the tree with its dotted name, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters(string prefix = "")
    {
        foreach (var (name, t) in _parameters) yield return (prefix + name, t);
        foreach (var (name, child) in _children)
            foreach (var p in child.NamedParameters(ChildPrefix(prefix, name))) yield return p;
    }

    /// <summary>Every buffer of the tree with its dotted name.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, t) in _buffers) yield return (prefix + name, t);
        foreach (var (name, child) in _children)
            foreach (var b in child.NamedBuffers(ChildPrefix(prefix, name))) yield return b;
    }

    /// <summary>Every module of the tree (this one first) with its dotted name.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix.TrimEnd('.'), this);
        foreach (var (name, child) in _children)
            foreach (var m in child.NamedModules(ChildPrefix(prefix, name))) yield return m;
    }

    /// <summary>A child registered with an empty name shares its parent's namespace (its names are not prefixed).</summary>
    private static string ChildPrefix(string prefix, string name) => name.Length == 0 ? prefix : prefix + name + ".";

    /// <summary>The parameters of the tree.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>Parameters and buffers by name (the tensors themselves, not copies).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var dict = new Dictionary<string, Tensor>();
        foreach (var (n, t) in NamedParameters()) dict[n] = t;
        foreach (var (n, t) in NamedBuffers()) dict[n] = t;
        return dict;
    }

    /// <summary>
    /// Copies values from <paramref name="source"/> by name. Keys the model has but the source lacks are
    /// <c>Missing</c>; keys the source has but the model lacks are <c>Unexpected</c>. A shape mismatch throws,
    /// naming the key; with <paramref name="strict"/>, missing or unexpected keys throw too.
    /// </summary>
    public LoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
    {
        var own = StateDict();
        var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new InvalidDataException($"state dict does not match the model: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        foreach (var (key, target) in own)
        {
            if (!source.TryGetValue(key, out var value)) continue;
            if (!Shapes.Equal(value.Shape, target.Shape))
                throw new InvalidDataException($"'{key}': the model has shape {Shapes.Format(target.Shape)}, the weights {Shapes.Format(value.Shape)}");
            value.Span.CopyTo(target.Span);
        }
        return new LoadResult(missing, unexpected);
    }

    /// <summary>Sets training mode on the whole tree.</summary>
    public virtual void Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.Train(training);
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public void Eval() => Train(false);

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) { p.Grad?.Dispose(); p.Grad = null; }
    }
}
