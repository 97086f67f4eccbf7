using Metrix.Tensors;

namespace Metrix.Mixup;

/// <summary>What one iteration's objective computed, for the log.</summary>
public sealed record StepOutput(Tensor Loss, double CleanLoss, double? MixedLoss, double? Lambda, PairSet? Set, int Mixes, Tensor? MixedEmbeddings)
{
    /// <summary>With <c>recordPairs</c>: the soft label y, ∂ℓ̃/∂s and the similarity s of every (anchor, mixed) pair of ℓ̃ (positivity analysis).</summary>
    public (float[] Labels, double[] Gradient, double[] Similarity)? MixedPairs { get; init; }
}
