using System.Text.Json.Serialization;
using Metrix.Training;

namespace Metrix.Losses;

/// <summary><c>--loss</c>: the labelled loss (names and order in <see cref="SettingChoices.Loss"/>).</summary>
[JsonConverter(typeof(ChoiceJsonConverter<LossKind>))]
public enum LossKind
{
    /// <summary>Contrastive.</summary>
    Contrastive,

    /// <summary>Multi-similarity.</summary>
    MultiSimilarity,

    /// <summary>Proxy-Anchor.</summary>
    ProxyAnchor,

    /// <summary>ProxyNCA++.</summary>
    ProxyNcaPlusPlus,

    /// <summary>ProxyNCA.</summary>
    ProxyNca,

    /// <summary>NCA.</summary>
    Nca,

    /// <summary>Binomial deviance.</summary>
    Binomial,

    /// <summary>Lifted structure.</summary>
    Lifted,
}
