namespace Metrix.Tensors;

/// <summary>
/// The dynamic autograd tape: operations record a <see cref="Node"/> on their output when gradients
/// are enabled and an input requires them; <see cref="Tensor.Backward"/> walks the nodes in reverse.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;

    /// <summary>Whether operations on this thread record the tape.</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>Disables recording on this thread until the returned scope is disposed.</summary>
    public static NoGradScope NoGrad()
    {
        _noGradDepth++;
        return new NoGradScope();
    }

    /// <summary>Ends a <see cref="NoGrad"/> region.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        /// <summary>Re-enables recording (when no outer no-grad scope remains).</summary>
        public void Dispose() => _noGradDepth--;
    }

    /// <summary>Whether an operation on these inputs must be recorded.</summary>
    public static bool ShouldRecord(Tensor a) => IsEnabled && a.RequiresGrad;

    /// <inheritdoc cref="ShouldRecord(Tensor)"/>
    public static bool ShouldRecord(Tensor a, Tensor b) => IsEnabled && (a.RequiresGrad || b.RequiresGrad);

    /// <inheritdoc cref="ShouldRecord(Tensor)"/>
    public static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (!IsEnabled) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Records that <paramref name="output"/> was computed from <paramref name="inputs"/>, when
    /// <see cref="ShouldRecord(ReadOnlySpan{Tensor})"/> holds; returns <paramref name="output"/>.
    /// </summary>
    public static Tensor Record(Tensor output, string name, BackwardFunction backward, params Tensor[] inputs)
    {
        OpProfile.Current?.Forward(name, output.Shape);
        if (!ShouldRecord(inputs)) return output;
        output.GradFn = new Node(name, inputs, backward);
        output.RequiresGradFromOp();
        return output;
    }

    internal static void Backward(Tensor root, Tensor? gradient, bool retainGraph, IBackwardObserver? observer = null)
    {
        if (!root.RequiresGrad) throw new InvalidOperationException("Backward() on a tensor that does not require grad");
        if (gradient is null && root.Size != 1)
            throw new InvalidOperationException($"Backward() without a gradient needs a one-element tensor, got {Shapes.Format(root.Shape)}");
        var grads = new Gradients();
        if (root.IsLeaf)
        {
            observer?.Started([root]);
            grads.Take(root, gradient?.Detach() ?? Tensor.Ones(root.ShapeArray()));
            observer?.GradientReady(root);
            return;
        }
        using var noGrad = NoGrad();
        var order = TopologicalOrder(root);
        var uses = observer is null ? null : LeafUses(order);
        observer?.Started(uses!.Keys);
        grads.Seed(root, gradient?.Detach() ?? Tensor.Ones(root.ShapeArray()));
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            var g = grads.Pop(t);
            var inputs = t.GradFn!.Inputs;
            if (g is null)
            {
                if (uses is not null) Done(inputs, uses, observer!);
                continue;
            }
            if (t.RetainsGrad) t.Grad = (t.Grad is null ? g.Detach() : t.Grad.AddInPlace(g)).Keep();
            var node = t.GradFn!;
            if (OpProfile.Current is { } profile)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                node.Run(g, grads);
                profile.Backward(node.Name, t.Shape, System.Diagnostics.Stopwatch.GetTimestamp() - start);
            }
            else node.Run(g, grads);
            g.Dispose();
            if (!retainGraph) node.Release();
            if (uses is not null) Done(inputs, uses, observer!);
        }
    }

    /// <summary>For every leaf that requires grad, how many inputs of the graph's operations it is.</summary>
    private static Dictionary<Tensor, int> LeafUses(List<Tensor> order)
    {
        var uses = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        foreach (var t in order)
            foreach (var input in t.GradFn!.Inputs)
                if (input.IsLeaf && input.RequiresGrad) uses[input] = uses.GetValueOrDefault(input) + 1;
        return uses;
    }

    /// <summary>An operation with <paramref name="inputs"/> has run (or was skipped): leaves it was the last use of are ready.</summary>
    private static void Done(Tensor[] inputs, Dictionary<Tensor, int> uses, IBackwardObserver observer)
    {
        foreach (var input in inputs)
        {
            if (!input.IsLeaf || !uses.TryGetValue(input, out int left)) continue;
            if (left == 1)
            {
                uses.Remove(input);
                observer.GradientReady(input);
            }
            else uses[input] = left - 1;
        }
        observer.OperationDone();
    }

    /// <summary>Non-leaf tensors that require grad, ordered so that each comes after its inputs.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor T, int Next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var node = t.GradFn!;
            if (node.IsReleased)
                throw new InvalidOperationException($"the graph through '{node.Name}' was already used by Backward(); call Backward(retainGraph: true) to go through it twice");
            var inputs = node.Inputs;
            if (next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var input = inputs[next];
                if (input.RequiresGrad && !input.IsLeaf && visited.Add(input)) stack.Push((input, 0));
            }
            else order.Add(t);
        }
        return order;
    }
}
