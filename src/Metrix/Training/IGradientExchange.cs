using Metrix.Tensors;

namespace Metrix.Training;

/// <summary>
/// The seam data-parallel training plugs into <see cref="TrainStep"/>: called once per step after the
/// backward pass and before clipping, with every trainable parameter whose gradient the step will apply.
/// A data-parallel implementation averages the gradients across processes here (all-reduce), so that
/// clipping and the optimiser see the same gradient on every rank.
/// </summary>
public interface IGradientExchange
{
    /// <summary>Exchanges the gradients of <paramref name="parameters"/> in place (those without a gradient this step are skipped).</summary>
    void AfterBackward(IReadOnlyList<Tensor> parameters);
}
