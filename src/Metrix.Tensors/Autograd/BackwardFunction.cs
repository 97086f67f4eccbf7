namespace Metrix.Tensors;

/// <summary>
/// Computes the gradients of a recorded operation's inputs from the gradient of its output and hands
/// them to <paramref name="grads"/>.
/// </summary>
public delegate void BackwardFunction(Tensor gradOutput, Gradients grads);
