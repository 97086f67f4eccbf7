namespace Metrix.Tensors.Tests;

/// <summary>
/// <see cref="IBackwardObserver"/>: told the leaves a pass reaches, each leaf once when its gradient is complete — after
/// the last operation that uses it, with the gradient it ends with — and every operation.
/// </summary>
public sealed class BackwardObserverTests
{
    private sealed class Record : IBackwardObserver
    {
        public readonly List<string> Events = [];
        public readonly Dictionary<Tensor, float[]> AtReady = new(ReferenceEqualityComparer.Instance);
        public IReadOnlyCollection<Tensor> Leaves = [];
        public int Operations;

        public void Started(IReadOnlyCollection<Tensor> leaves)
        {
            Leaves = [.. leaves];
            Events.Add("started");
        }

        public void GradientReady(Tensor leaf)
        {
            AtReady.Add(leaf, leaf.Grad?.ToArray() ?? []);
            Events.Add($"ready {leaf.Size}");
        }

        public void OperationDone() => Operations++;
    }

    [Fact]
    public void A_leaf_used_twice_is_ready_once_after_its_last_use_with_its_final_gradient()
    {
        // y = sum((w * x + w) * v): w is used by two operations, v by one; x and c need no gradient.
        var w = Tensor.FromArray(1f, 2f, 3f).RequireGrad();
        var v = Tensor.FromArray(0.5f, -1f, 2f).RequireGrad();
        var x = Tensor.FromArray(4f, 5f, 6f);
        var y = Ops.Sum((w * x + w) * v);
        var record = new Record();
        y.Backward(observer: record);

        Assert.Equal("started", record.Events[0]);
        Assert.Equal(2, record.Leaves.Count);
        Assert.Contains(w, record.Leaves);
        Assert.Contains(v, record.Leaves);
        Assert.Equal(3, record.Events.Count);
        // dy/dw = (x + 1) v, dy/dv = w x + w: as reported when ready, and as left afterwards.
        Assert.Equal([2.5f, -6f, 14f], record.AtReady[w]);
        Assert.Equal([5f, 12f, 21f], record.AtReady[v]);
        Assert.Equal(w.Grad!.ToArray(), record.AtReady[w]);
        // Four operations: w * x, + w, * v, sum.
        Assert.Equal(4, record.Operations);
    }

    [Fact]
    public void Layers_are_ready_from_the_last_to_the_first()
    {
        var rng = new Rng(3);
        var weights = Enumerable.Range(0, 4).Select(_ => rng.Normal([5, 5]).RequireGrad()).ToArray();
        var h = rng.Normal([2, 5]);
        foreach (var weight in weights) h = Ops.Relu(Ops.Linear(h, weight, null));
        var order = new List<Tensor>();
        Ops.Sum(h).Backward(observer: new Ordered(order));
        Assert.Equal(weights.Reverse(), order);
    }

    /// <summary>The leaves in the order they are ready.</summary>
    private sealed class Ordered(List<Tensor> order) : IBackwardObserver
    {
        public void Started(IReadOnlyCollection<Tensor> leaves) => Assert.Equal(4, leaves.Count);

        public void GradientReady(Tensor leaf) => order.Add(leaf);

        public void OperationDone() { }
    }

    [Fact]
    public void Backward_of_a_leaf_reports_the_leaf()
    {
        var w = Tensor.FromArray(2f).RequireGrad();
        var record = new Record();
        w.Backward(observer: record);
        Assert.Equal(["started", "ready 1"], record.Events);
        Assert.Equal([1f], record.AtReady[w]);
    }
}
