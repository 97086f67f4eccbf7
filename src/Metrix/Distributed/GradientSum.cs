using Metrix.Tensors;
using Metrix.Training;

namespace Metrix.Distributed;

/// <summary>
/// The gradient exchange of data-parallel training: sums every rank's contribution to the gradients of the
/// parameters that see only that rank's rows (the body and the embedding layer), so that clipping and the
/// optimiser see the gradient one process computes on the whole batch. Parameters whose gradient every rank
/// already computes whole — the loss's proxies, used only by the loss on the gathered batch — are
/// <paramref name="replicated"/> and left as they are (summing them would count them <c>Size</c> times).
/// </summary>
/// <remarks>
/// A parameter that got a gradient on some ranks but not on others gets one of zeros on the others first, as
/// one process would have had a gradient from those rows; one that got none anywhere stays without (the
/// optimiser then skips it, as on one process). Each gradient is summed in place: no copies.
/// </remarks>
public sealed class GradientSum(ICommunicator group, IEnumerable<Tensor> replicated) : IGradientExchange
{
    private readonly HashSet<Tensor> _replicated = new(replicated, ReferenceEqualityComparer.Instance);

    /// <summary>The group the gradients are summed over.</summary>
    public ICommunicator Group { get; } = group;

    /// <inheritdoc/>
    public void AfterBackward(IReadOnlyList<Tensor> parameters)
    {
        var summed = new List<Tensor>(parameters.Count);
        foreach (var p in parameters)
            if (!_replicated.Contains(p)) summed.Add(p);
        var present = new double[summed.Count];
        for (int i = 0; i < summed.Count; i++) present[i] = summed[i].Grad is null ? 0 : 1;
        Group.AllReduceSum(present);
        for (int i = 0; i < summed.Count; i++)
        {
            if (present[i] == 0) continue;
            var p = summed[i];
            p.Grad ??= TensorScope.Outside(p.ZerosLike);
            Group.AllReduceSum(p.Grad.Span);
        }
    }
}
