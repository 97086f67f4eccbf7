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

    /// <summary>
    /// i-Mix (Lee et al. 2021), Table 3: images of anchor–negative pairs mixed, the mix an anchor against the clean
    /// batch with the linearly mixed virtual label λ·[same class as a] + (1 − λ)·[same class as n].
    /// </summary>
    IMix,

    /// <summary>
    /// MoCHi (Kalantidis et al. 2020), Table 3: clean anchors; embeddings of the anchor's hardest negatives mixed
    /// neg–neg or with the anchor (anc–neg, anchor weight in (0, 0.5)), re-normalised, always labelled negative.
    /// </summary>
    MoChi,

    /// <summary>
    /// Proxy synthesis (Gu et al. 2021) with proxy anchor, Table 3: embeddings and proxies of different classes
    /// mixed with one λ into synthetic classes that join the proxy-anchor loss.
    /// </summary>
    ProxySynthesis,
}
