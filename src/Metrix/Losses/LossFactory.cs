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

    /// <summary>
    /// The clean loss of a batch: embeddings against each other, or against (normalised) proxies.
    /// </summary>
    public static Tensor Clean(PairLoss loss, Tensor embeddings, int[] labels, double[]? pairGradient = null)
    {
        if (loss is ProxyAnchorLoss pa)
            return loss.Compute(Ops.L2Normalize(pa.Proxies), embeddings, Pairs.ProxiesToExamples(pa.Proxies.Dim(0), labels), pairGradient);
        if (loss is ProxyNcaLoss pn)
            return loss.Compute(embeddings, Ops.L2Normalize(pn.Proxies), Pairs.ExamplesToProxies(pn.Proxies.Dim(0), labels), pairGradient);
        return loss.Compute(embeddings, embeddings, Pairs.AllInBatch(labels), pairGradient);
    }
}
