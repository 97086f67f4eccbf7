using System.Text.Json.Serialization;

namespace Metrix.Training;

/// <summary><c>--optimizer</c>.</summary>
[JsonConverter(typeof(ChoiceJsonConverter<OptimizerKind>))]
public enum OptimizerKind
{
    /// <summary>Adam with L2 weight decay added to the gradient (the release).</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,

    /// <summary>SGD with momentum 0.9.</summary>
    Sgd,
}
