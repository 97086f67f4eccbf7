using Metrix.Tensors;

namespace Metrix.Losses;

/// <summary>The losses by their <c>--loss</c> names.</summary>
public static class LossFactory
{
    /// <summary>Accepted <c>--loss</c> values.</summary>
    public static readonly string[] Names = ["contrastive", "multisimilarity", "proxyanchor", "proxynca++", "proxynca", "nca", "binomial", "lifted"];

    /// <summary>Creates the loss <paramref name="name"/>; proxy losses need the class count and embedding width.</summary>
    public static PairLoss Create(string name, int classes, int dim, Rng rng) => name switch
    {
        "contrastive" => new ContrastiveLoss(),
        "multisimilarity" => new MultiSimilarityLoss(),
        "proxyanchor" => new ProxyAnchorLoss(classes, dim, rng),
        "proxynca++" => new ProxyNcaLoss(classes, dim, rng, plusPlus: true),
        "proxynca" => new ProxyNcaLoss(classes, dim, rng, plusPlus: false),
        "nca" => new NcaLoss(),
        "binomial" => new BinomialDevianceLoss(),
        "lifted" => new LiftedStructureLoss(),
        _ => throw new ArgumentException($"unknown loss '{name}'; accepted: {string.Join(", ", Names)}"),
    };
}
