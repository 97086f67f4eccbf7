namespace Metrix.Tensors;

/// <summary>
/// Receives the input gradients a backward function computes, during one <see cref="Tensor.Backward"/>.
/// The one place where broadcast gradients are reduced back to an input's shape and accumulated.
/// </summary>
public sealed class Gradients
{
    private readonly Dictionary<Tensor, Tensor> _pending = new(ReferenceEqualityComparer.Instance);

    internal Gradients() { }

    /// <summary>Whether a gradient for <paramref name="input"/> is wanted at all.</summary>
    public static bool Needs(Tensor input) => input.RequiresGrad;

    /// <summary>
    /// Adds <paramref name="grad"/> (of the input's shape or broadcastable to it) to the gradient of
    /// <paramref name="input"/>. The caller keeps ownership of <paramref name="grad"/>.
    /// </summary>
    public void Add(Tensor input, Tensor grad)
    {
        if (!input.RequiresGrad) return;
        if (!Shapes.Equal(grad.Shape, input.Shape))
        {
            using var reduced = ReduceTo(grad, input.Shape);
            AddSameShape(input, reduced);
            return;
        }
        AddSameShape(input, grad);
    }

    /// <summary>
    /// Like <see cref="Add"/>, but hands <paramref name="grad"/> over: a tensor the backward function
    /// created and will not touch again. It is adopted as the gradient when none exists yet.
    /// </summary>
    public void Take(Tensor input, Tensor grad)
    {
        if (!input.RequiresGrad || !Shapes.Equal(grad.Shape, input.Shape) || HasSlot(input))
        {
            Add(input, grad);
            grad.Dispose();
            return;
        }
        if (input.IsLeaf) input.Grad = grad.Keep();
        else _pending[input] = grad;
    }

    /// <summary>
    /// The gradient tensor of <paramref name="input"/>, for kernels that accumulate into it directly.
    /// When <paramref name="fresh"/> is true it was just created and holds garbage: overwrite it.
    /// </summary>
    public Tensor Slot(Tensor input, out bool fresh)
    {
        if (!input.RequiresGrad) throw new InvalidOperationException("no gradient slot for a tensor that does not require grad");
        if (input.IsLeaf)
        {
            fresh = input.Grad is null;
            return input.Grad ??= TensorScope.Outside(input.EmptyLike);
        }
        fresh = !_pending.TryGetValue(input, out var g);
        if (fresh) _pending[input] = g = input.EmptyLike();
        return g!;
    }

    /// <summary>The zero-initialised or accumulated gradient tensor of <paramref name="input"/>.</summary>
    public Tensor Slot(Tensor input)
    {
        var g = Slot(input, out bool fresh);
        if (fresh) g.Span.Clear();
        return g;
    }

    private bool HasSlot(Tensor input) => input.IsLeaf ? input.Grad is not null : _pending.ContainsKey(input);

    private void AddSameShape(Tensor input, Tensor grad)
    {
        var slot = Slot(input, out bool fresh);
        if (fresh) grad.Span.CopyTo(slot.Span);
        else Kernels.Elementwise.AddInPlace(slot.Span, grad.Span);
    }

    internal Tensor? Pop(Tensor t)
    {
        _pending.Remove(t, out var g);
        return g;
    }

    internal void Seed(Tensor t, Tensor grad) => _pending[t] = grad;

    /// <summary>Sums <paramref name="grad"/> over the dimensions that broadcasting expanded.</summary>
    internal static Tensor ReduceTo(Tensor grad, ReadOnlySpan<int> shape)
    {
        var gs = grad.Shape;
        int lead = gs.Length - shape.Length;
        if (lead < 0) throw new ArgumentException($"gradient {Shapes.Format(gs)} cannot reduce to {Shapes.Format(shape)}");
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] != gs[lead + i] && shape[i] != 1)
                throw new ArgumentException($"gradient {Shapes.Format(gs)} cannot reduce to {Shapes.Format(shape)}");
        var result = Tensor.Zeros(shape);
        var rStrides = Shapes.Strides(shape);
        var gStrides = Shapes.Strides(gs);
        // Map every gradient element to its broadcast source and add. Inner dimension handled as a run.
        var src = grad.Span;
        var dst = result.Span;
        int inner = gs.Length == 0 ? 1 : gs[^1];
        bool innerKept = shape.Length > 0 && shape[^1] == inner;
        for (int start = 0; start < src.Length; start += inner)
        {
            int off = 0;
            int rem = start;
            for (int d = 0; d < gs.Length; d++)
            {
                int idx = rem / gStrides[d];
                rem -= idx * gStrides[d];
                int rd = d - lead;
                if (rd >= 0 && shape[rd] != 1) off += idx * rStrides[rd];
            }
            if (innerKept) Kernels.Elementwise.AddInPlace(dst.Slice(off, inner), src.Slice(start, inner));
            else dst[off] += Kernels.Elementwise.Sum(src.Slice(start, inner));
        }
        return result;
    }
}
