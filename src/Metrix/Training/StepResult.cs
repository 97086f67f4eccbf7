using Metrix.Mixup;

namespace Metrix.Training;

/// <summary>What one <see cref="TrainStep.Run"/> did.</summary>
/// <param name="Output">The objective's parts (clean and mixed loss, λ, the pair set, the analysis record).</param>
/// <param name="Loss">The objective's value.</param>
/// <param name="Finite">False when the objective was NaN or infinite (the parameters were then left as they were) or the update made a parameter NaN or infinite.</param>
/// <param name="ForwardMs">Milliseconds from the caller's clock start to the end of the forward pass (0 without a clock).</param>
/// <param name="BackwardMs">Milliseconds of the backward pass (0 without a clock).</param>
public sealed record StepResult(StepOutput Output, double Loss, bool Finite, double ForwardMs, double BackwardMs);
