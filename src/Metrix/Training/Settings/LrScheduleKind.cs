using System.Text.Json.Serialization;

namespace Metrix.Training;

/// <summary><c>--lr_schedule</c>.</summary>
[JsonConverter(typeof(ChoiceJsonConverter<LrScheduleKind>))]
public enum LrScheduleKind
{
    /// <summary>StepLR: lr ← γ·lr every <c>lr_decay_step</c> epochs (the release).</summary>
    Step,

    /// <summary>Cosine annealing to zero over the run.</summary>
    Cosine,
}
