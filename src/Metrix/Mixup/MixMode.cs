namespace Metrix.Mixup;

/// <summary>Where mixup happens (<c>--mode</c>).</summary>
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
