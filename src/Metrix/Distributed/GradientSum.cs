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
/// <para>A parameter that got a gradient on some ranks but not on others gets one of zeros on the others first, as
/// one process would have had a gradient from those rows; one that got none anywhere stays without (the
/// optimiser then skips it, as on one process). Each gradient is summed in place: no copies.</para>
/// <para>With <paramref name="overlap"/> (the default) the sums run during the backward pass, as PyTorch's
/// DistributedDataParallel does: <see cref="BeginBackward"/> follows the pass, and a parameter's sum is started
/// (MPI_Iallreduce) as soon as its gradient is complete — the last layers' first — while the pass computes the
/// earlier layers' gradients; <see cref="AfterBackward"/> then only waits for what is still in flight. Every rank must
/// start the same sums in the same order (MPI matches collectives by order), so the sums are started strictly in one
/// fixed order, the parameters' in reverse: a sum whose gradient is ready waits for those before it. That order and
/// the points of the pass where the sums start depend only on the graph's structure, which every rank records alike.
/// Whether a parameter takes part is decided before the pass from whether the graph reaches it on any rank.</para>
/// </remarks>
public sealed class GradientSum(ICommunicator group, IEnumerable<Tensor> replicated, bool overlap = true) : IGradientExchange
{
    private readonly HashSet<Tensor> _replicated = new(replicated, ReferenceEqualityComparer.Instance);
    private Round? _round;

    /// <summary>The group the gradients are summed over.</summary>
    public ICommunicator Group { get; } = group;

    /// <summary>Whether the sums overlap the backward pass (<see cref="BeginBackward"/> returns an observer).</summary>
    public bool Overlap { get; } = overlap;

    /// <inheritdoc/>
    public IBackwardObserver? BeginBackward(IReadOnlyList<Tensor> parameters)
    {
        if (!Overlap || Group.Size == 1) return null;
        _round = new Round(this, Summed(parameters));
        return _round;
    }

    /// <inheritdoc/>
    public void AfterBackward(IReadOnlyList<Tensor> parameters)
    {
        if (_round is { } round)
        {
            _round = null;
            round.Finish();
            return;
        }
        var summed = Summed(parameters);
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

    private List<Tensor> Summed(IReadOnlyList<Tensor> parameters)
    {
        var summed = new List<Tensor>(parameters.Count);
        foreach (var p in parameters)
            if (!_replicated.Contains(p)) summed.Add(p);
        return summed;
    }

    /// <summary>One backward pass's sums, started in reverse parameter order as the gradients become complete.</summary>
    private sealed class Round(GradientSum owner, List<Tensor> summed) : IBackwardObserver
    {
        private readonly Dictionary<Tensor, int> _index = new(ReferenceEqualityComparer.Instance);
        private readonly List<IPendingCollective> _pending = [];
        private bool[] _present = [], _ready = [];
        private int _next, _oldest;

        /// <summary>The parameters in the order their sums start: the last layers' (whose gradients complete first) first.</summary>
        private readonly List<Tensor> _order = Enumerable.Reverse(summed).ToList();

        public void Started(IReadOnlyCollection<Tensor> leaves)
        {
            var reached = leaves as IReadOnlySet<Tensor> ?? new HashSet<Tensor>(leaves, ReferenceEqualityComparer.Instance);
            var present = new double[_order.Count];
            for (int i = 0; i < _order.Count; i++)
            {
                _index[_order[i]] = i;
                present[i] = reached.Contains(_order[i]) || _order[i].Grad is not null ? 1 : 0;
            }
            owner.Group.AllReduceSum(present);
            _present = present.Select(v => v > 0).ToArray();
            _ready = new bool[_order.Count];
            for (int i = 0; i < _order.Count; i++)
                // Not reached here: its gradient from this rank's rows is zero and will not change.
                if (!_present[i] || !reached.Contains(_order[i])) _ready[i] = true;
            StartReady();
        }

        public void GradientReady(Tensor leaf)
        {
            if (!_index.TryGetValue(leaf, out int i)) return;
            _ready[i] = true;
            StartReady();
        }

        public void OperationDone()
        {
            // MPI advances a started sum only inside MPI calls: one test of the oldest lets them all progress.
            while (_oldest < _pending.Count && _pending[_oldest].Test()) _oldest++;
        }

        /// <summary>Starts, in order, every sum whose gradient and whose predecessors' are ready.</summary>
        private void StartReady()
        {
            while (_next < _order.Count && _ready[_next])
            {
                int i = _next++;
                if (!_present[i]) continue;
                var p = _order[i];
                p.Grad ??= TensorScope.Outside(p.ZerosLike);
                _pending.Add(owner.Group.BeginAllReduceSum(p.Grad.Memory));
            }
        }

        /// <summary>After the pass: starts what is left (gradients the pass never completed) and waits for every sum.</summary>
        public void Finish()
        {
            Array.Fill(_ready, true);
            StartReady();
            foreach (var pending in _pending) pending.Wait();
        }
    }
}
