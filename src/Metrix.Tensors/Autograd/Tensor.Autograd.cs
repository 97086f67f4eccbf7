namespace Metrix.Tensors;

public sealed partial class Tensor
{
    internal bool RetainsGrad { get; private set; }

    internal void RequiresGradFromOp() => _requiresGrad = true;

    /// <summary>Keeps the gradient of this non-leaf tensor in <see cref="Grad"/> during backward.</summary>
    public Tensor RetainGrad()
    {
        RetainsGrad = true;
        return this;
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad and adds it to
    /// their <see cref="Grad"/>. Without <paramref name="gradient"/> the tensor must hold one element.
    /// The graph is released afterwards unless <paramref name="retainGraph"/> is set. An <paramref name="observer"/> is told
    /// which leaves the pass reaches and when each leaf's gradient is complete.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, IBackwardObserver? observer = null) =>
        Autograd.Backward(this, gradient, retainGraph, observer);

    /// <summary>The elements as memory, for asynchronous consumers (the storage is pinned and lives as long as the tensor).</summary>
    public Memory<float> Memory => Buffer.AsMemory(0, Size);

    /// <summary>Adds <paramref name="other"/> (same size) to this tensor in place, outside autograd.</summary>
    public Tensor AddInPlace(Tensor other)
    {
        if (other.Size != Size) throw new ArgumentException($"cannot add {Shapes.Format(other.Shape)} to {Shapes.Format(Shape)} in place");
        Kernels.Elementwise.AddInPlace(Span, other.Span);
        return this;
    }
}
