using Metrix.Tensors;

namespace Metrix.Training;

/// <summary>
/// The seam data-parallel training plugs into <see cref="TrainStep"/>: called once per step after the
/// backward pass and before clipping, with every trainable parameter whose gradient the step will apply.
/// A data-parallel implementation sums the ranks' contributions here (all-reduce; <see cref="Distributed.GradientSum"/>),
/// so that clipping and the optimiser see, on every rank, the gradient one process computes on the whole batch.
/// The loss parameters are among <c>parameters</c> but already carry their whole gradient on every rank (the loss
/// runs on the gathered batch): an implementation must leave them as they are.
/// </summary>
public interface IGradientExchange
{
    /// <summary>Exchanges the gradients of <paramref name="parameters"/> in place (those without a gradient this step are skipped).</summary>
    void AfterBackward(IReadOnlyList<Tensor> parameters);
}
