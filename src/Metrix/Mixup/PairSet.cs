using System.Text.Json.Serialization;
using Metrix.Training;

namespace Metrix.Mixup;

/// <summary>The mixing pair sets (docs/method.md#pair-sets; names in <see cref="SettingChoices.Pairs"/>).</summary>
[JsonConverter(typeof(ChoiceJsonConverter<PairSet>))]
public enum PairSet
{
    /// <summary>P(a) × N(a), label λ.</summary>
    PosNeg,

    /// <summary>{a} × N(a), label λ.</summary>
    AncNeg,

    /// <summary>P(a) × P(a), label 1 (ablation).</summary>
    PosPos,

    /// <summary>N(a) × N(a), label 0 (ablation).</summary>
    NegNeg,
}
