using Metrix.Tensors;

namespace Metrix.Training;

/// <summary>
/// The seam data-parallel training plugs into <see cref="TrainStep"/>: <see cref="BeginBackward"/> just before the backward
/// pass, <see cref="AfterBackward"/> after it and before clipping, both with every trainable parameter whose gradient the
/// step will apply. A data-parallel implementation sums the ranks' contributions (all-reduce; <see cref="Distributed.GradientSum"/>),
/// during the pass or after it, so that clipping and the optimiser see, on every rank, the gradient one process computes on
/// the whole batch. The loss parameters are among <c>parameters</c> but already carry their whole gradient on every rank (the
/// loss runs on the gathered batch): an implementation must leave them as they are.
/// </summary>
public interface IGradientExchange
{
    /// <summary>
    /// Called before the backward pass; an observer returned follows the pass (its gradients as they complete), null
    /// when the exchange waits for <see cref="AfterBackward"/>.
    /// </summary>
    IBackwardObserver? BeginBackward(IReadOnlyList<Tensor> parameters) => null;

    /// <summary>Completes the exchange of the gradients of <paramref name="parameters"/> in place (those without a gradient this step are skipped).</summary>
    void AfterBackward(IReadOnlyList<Tensor> parameters);
}
