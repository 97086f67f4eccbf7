using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>Gradient clipping.</summary>
public static class GradClip
{
    /// <summary>Clamps every gradient element to [−clip, clip] (torch.nn.utils.clip_grad_value_).</summary>
    public static void ByValue(IEnumerable<Tensor> parameters, float clip)
    {
        foreach (var p in parameters)
            if (p.Grad is { } g) System.Numerics.Tensors.TensorPrimitives.Clamp(g.Span, -clip, clip, g.Span);
    }
}
