using System.Text.Json.Serialization;
using Metrix.Training;

namespace Metrix.Mixup;

/// <summary>Where mixup happens (<c>--mode</c>; names in <see cref="SettingChoices.Mode"/>).</summary>
[JsonConverter(typeof(ChoiceJsonConverter<MixMode>))]
public enum MixMode
{
    /// <summary>No mixup.</summary>
    Baseline,

    /// <summary>Mix images and run the whole network (Metrix/input).</summary>
    Input,

    /// <summary>Mix layer-4 features and run the head (Metrix/feature, the default).</summary>
    Feature,

    /// <summary>Mix embeddings (Metrix/embed).</summary>
    Embed,
}
