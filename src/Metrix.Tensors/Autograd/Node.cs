namespace Metrix.Tensors;

/// <summary>One recorded operation on the autograd tape: its inputs and its backward function.</summary>
internal sealed class Node(string name, Tensor[] inputs, BackwardFunction backward)
{
    public string Name { get; } = name;

    public Tensor[] Inputs { get; private set; } = inputs;

    private BackwardFunction? _backward = backward;

    public void Run(Tensor gradOutput, Gradients grads)
    {
        var f = _backward ?? throw new InvalidOperationException(
            $"the graph through '{Name}' was already used by Backward(); call Backward(retainGraph: true) to go through it twice");
        f(gradOutput, grads);
    }

    /// <summary>Drops the backward function and the references it holds (saved tensors).</summary>
    public void Release()
    {
        _backward = null;
        Inputs = [];
    }

    public bool IsReleased => _backward is null;
}
