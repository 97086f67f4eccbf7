using System.Text.Json.Serialization;

namespace Metrix.Training;

/// <summary><c>--model</c>: the ResNet body of the embedding network.</summary>
[JsonConverter(typeof(ChoiceJsonConverter<Backbone>))]
public enum Backbone
{
    /// <summary>ResNet-18.</summary>
    ResNet18,

    /// <summary>ResNet-34.</summary>
    ResNet34,

    /// <summary>ResNet-50.</summary>
    ResNet50,

    /// <summary>ResNet-101.</summary>
    ResNet101,
}
