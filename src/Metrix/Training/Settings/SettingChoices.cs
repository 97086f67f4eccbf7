using Metrix.Losses;
using Metrix.Mixup;

namespace Metrix.Training;

/// <summary>The one list of accepted values of every enumerated setting, with its command-line name.</summary>
public static class SettingChoices
{
    /// <summary><c>--dataset</c>: the names of <see cref="DatasetDescriptors.All"/>.</summary>
    public static Choices<DatasetKind> Dataset { get; } = new("dataset", DatasetDescriptors.All.Select(d => (d.Kind, d.Name)));

    /// <summary><c>--model</c>.</summary>
    public static Choices<Backbone> Model { get; } = new("model",
        [(Backbone.ResNet18, "resnet18"), (Backbone.ResNet34, "resnet34"), (Backbone.ResNet50, "resnet50"), (Backbone.ResNet101, "resnet101")]);

    /// <summary><c>--loss</c>.</summary>
    public static Choices<LossKind> Loss { get; } = new("loss",
    [
        (LossKind.Contrastive, "contrastive"), (LossKind.MultiSimilarity, "multisimilarity"), (LossKind.ProxyAnchor, "proxyanchor"),
        (LossKind.ProxyNcaPlusPlus, "proxynca++"), (LossKind.ProxyNca, "proxynca"), (LossKind.Nca, "nca"),
        (LossKind.Binomial, "binomial"), (LossKind.Lifted, "lifted"),
    ]);

    /// <summary><c>--mode</c>.</summary>
    public static Choices<MixMode> Mode { get; } = new("mode",
        [(MixMode.Baseline, "baseline"), (MixMode.Input, "input"), (MixMode.Feature, "feature"), (MixMode.Embed, "embed"),
         (MixMode.IMix, "imix"), (MixMode.MoChi, "mochi"), (MixMode.ProxySynthesis, "ps")]);

    /// <summary><c>--optimizer</c>.</summary>
    public static Choices<OptimizerKind> Optimizer { get; } = new("optimizer",
        [(OptimizerKind.Adam, "adam"), (OptimizerKind.AdamW, "adamw"), (OptimizerKind.Sgd, "sgd")]);

    /// <summary><c>--lr_schedule</c>.</summary>
    public static Choices<LrScheduleKind> LrSchedule { get; } = new("lr_schedule",
        [(LrScheduleKind.Step, "step"), (LrScheduleKind.Cosine, "cosine")]);

    /// <summary>The entries of <c>--pairs</c>.</summary>
    public static Choices<PairSet> Pairs { get; } = new("pairs",
        [(PairSet.PosNeg, "posneg"), (PairSet.AncNeg, "ancneg"), (PairSet.PosPos, "pospos"), (PairSet.NegNeg, "negneg")]);

    /// <summary>The list of <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not a setting's enum.</exception>
    public static Choices<T> Of<T>() where T : struct, Enum => (typeof(T) switch
    {
        var t when t == typeof(DatasetKind) => Dataset,
        var t when t == typeof(Backbone) => Model,
        var t when t == typeof(LossKind) => Loss,
        var t when t == typeof(MixMode) => Mode,
        var t when t == typeof(OptimizerKind) => Optimizer,
        var t when t == typeof(LrScheduleKind) => LrSchedule,
        var t when t == typeof(PairSet) => (object)Pairs,
        _ => throw new ArgumentException($"{typeof(T).Name} is not a setting", nameof(T)),
    }) as Choices<T> ?? throw new InvalidOperationException();
}
