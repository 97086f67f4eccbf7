namespace Metrix.Tensors;

/// <summary>
/// Releases every tensor created on this thread while the scope is open, when it is disposed.
/// </summary>
/// <remarks>
/// Wrap one training or evaluation step in a scope to recycle all its activations at once:
/// <code>
/// using (new TensorScope())
/// {
///     var loss = Loss(model.Forward(batch));
///     loss.Backward();
///     optimizer.Step();
///     lossValue = loss.Item();
/// }
/// </code>
/// Tensors that must outlive the scope are <see cref="Tensor.Keep">kept</see>; parameters, gradients
/// and optimiser state are created with <see cref="Tensor.Persistent"/>. Scopes nest; a tensor belongs
/// to the innermost open scope of the thread that created it.
/// </remarks>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _parent;
    private readonly HashSet<Tensor> _tracked = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    /// <summary>Opens a scope on the current thread.</summary>
    public TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    /// <summary>Number of tensors the scope will release.</summary>
    public int Count => _tracked.Count;

    internal static void Track(Tensor t) => _current?._tracked.Add(t);

    internal static void Untrack(Tensor t)
    {
        for (var s = _current; s is not null; s = s._parent)
            if (s._tracked.Remove(t)) return;
    }

    /// <summary>
    /// Runs <paramref name="create"/> with no scope open, so what it allocates is not released by
    /// the enclosing scopes (for lazily created persistent state).
    /// </summary>
    public static T Outside<T>(Func<T> create)
    {
        var saved = _current;
        _current = null;
        try { return create(); }
        finally { _current = saved; }
    }

    /// <summary>Releases the tracked tensors and closes the scope.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (_current != this) throw new InvalidOperationException("TensorScopes must be disposed in reverse order of creation, on the thread that opened them");
        _disposed = true;
        _current = _parent;
        foreach (var t in _tracked) t.Dispose();
        _tracked.Clear();
    }
}
