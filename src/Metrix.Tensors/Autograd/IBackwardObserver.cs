namespace Metrix.Tensors;

/// <summary>
/// Follows one <see cref="Tensor.Backward(Tensor?, bool, IBackwardObserver?)"/>: told which leaves the pass will reach
/// before it starts, each leaf as soon as its gradient is complete (the last operation that uses it has run), and after
/// every operation. Data-parallel training uses it to start summing a parameter's gradient over the ranks while the
/// pass computes the rest (<c>Metrix.Distributed.GradientSum</c>).
/// </summary>
/// <remarks>
/// Every call is made on the thread running the pass, in the pass's order, which depends only on the graph's
/// structure: two processes that record the same operations see the same calls in the same order.
/// </remarks>
public interface IBackwardObserver
{
    /// <summary>Before the first operation: the leaves that require grad and are inputs of an operation of the graph.</summary>
    void Started(IReadOnlyCollection<Tensor> leaves);

    /// <summary>
    /// No operation of the pass will add to <paramref name="leaf"/>'s <see cref="Tensor.Grad"/> any more. It may be null when
    /// no gradient reached it.
    /// </summary>
    void GradientReady(Tensor leaf);

    /// <summary>After each operation of the pass (the place to let communication progress).</summary>
    void OperationDone();
}
