using Metrix.Losses;
using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Mixup;

/// <summary>
/// The training objective of one iteration (docs/method.md#the-objective, eq. 10): E = ℓ(clean) + w·ℓ̃(mixed),
/// both the same labelled loss, on clean pairs and on mixed examples with soft labels. λ ~ Beta(α, α) and the
/// pair set (uniform over the configured ones) are drawn once per iteration from the caller's <c>rng</c>.
/// </summary>
public static class MetrixObjective
{
    /// <summary>Runs the network on <paramref name="images"/> and returns the objective to back-propagate.</summary>
    public static StepOutput Compute(EmbeddingNet model, Tensor images, int[] labels, PairLoss loss, MixupOptions options, Rng rng,
        bool keepMixedEmbeddings = false, double[]? mixedPairGradient = null, bool recordPairs = false)
    {
        var features = model.Features(images);
        var pooled = EmbeddingNet.Pool(features);
        var embeddings = model.Embed(pooled);
        var (clean, mined, done) = Begin(embeddings, labels, loss, options, rng,
            (first, second, l) => model.Forward(MixOps.MixRows(images, first, second, l)), keepMixedEmbeddings);
        if (done is not null) return done;

        float lambda = (float)rng.Beta(options.Alpha, options.Alpha);
        var set = options.PairSets[rng.NextInt(options.PairSets.Count)];
        int[][]? hard = options.Mode == MixMode.Input ? HardNegatives(embeddings, labels, options.HardNegatives, mined?.Negatives) : null;
        var plan = MixPlan.Create(set, labels, lambda, rng, hard ?? mined?.Negatives, mined?.Positives);
        if (plan.Count == 0)
            return new StepOutput(clean, clean.Item(), null, lambda, set, 0, null);
        if (loss.MixesPerImage is int perImage) plan = Subsample(plan, perImage * labels.Length, rng);

        Tensor mixed = options.Mode switch
        {
            MixMode.Embed => MixOps.MixRows(embeddings, plan.First, plan.Second, lambda),
            MixMode.Feature => model.Embed(MixOps.MixedPool(features, plan.First, plan.Second, lambda)),
            MixMode.Input => model.Forward(MixOps.MixRows(images, plan.First, plan.Second, lambda)),
            _ => throw new InvalidOperationException(),
        };
        var pairs = loss.MixedPairs(plan.Pairs, labels, plan.First, plan.Second, plan.Lambda);
        if (recordPairs && mixedPairGradient is null) mixedPairGradient = new double[pairs.Count];
        var similarity = recordPairs ? new double[pairs.Count] : null;
        var mixedLoss = loss.Mixed(embeddings, mixed, pairs, mixedPairGradient, similarity);
        var total = Ops.Add(clean, Ops.Mul(mixedLoss, Tensor.Scalar((float)options.MixWeight)));
        Tensor? kept = keepMixedEmbeddings ? TensorScope.Outside(() => mixed.Detach()) : null;
        return new StepOutput(total, clean.Item(), mixedLoss.Item(), lambda, set, plan.Count, kept)
        {
            MixedPairs = recordPairs ? (pairs.Label.ToArray(), mixedPairGradient!, similarity!) : null,
        };
    }

    /// <summary>
    /// What the single-process and the data-parallel objective share, on the whole batch's embeddings: mining
    /// (<c>--miner_epsilon</c> chooses the clean pairs and the P(a), N(a) mixes are drawn from), the clean loss, and
    /// for the baseline and the compared methods the whole step (<c>Done</c>; null for Metrix's own modes).
    /// <paramref name="embedMixedImages"/> embeds the mixed images of i-Mix.
    /// </summary>
    internal static (Tensor Clean, MinedPairs? Mined, StepOutput? Done) Begin(Tensor embeddings, int[] labels, PairLoss loss,
        MixupOptions options, Rng rng, Func<int[], int[], float, Tensor> embedMixedImages, bool keepMixedEmbeddings)
    {
        var mined = options.MinerEpsilon is double epsilon ? MultiSimilarityMiner.Mine(embeddings, labels, epsilon) : null;
        var clean = mined is null ? loss.Clean(embeddings, labels) : loss.Compute(embeddings, embeddings, mined.Pairs);
        StepOutput? done = options.Mode switch
        {
            MixMode.Baseline => new StepOutput(clean, clean.Item(), null, null, null, 0, null),
            MixMode.IMix => ComparedMethods.IMix(embedMixedImages, embeddings, labels, clean, loss, options, rng, mined, keepMixedEmbeddings),
            MixMode.MoChi => ComparedMethods.MoChi(embeddings, labels, clean, loss, options, rng, mined, keepMixedEmbeddings),
            MixMode.ProxySynthesis => ComparedMethods.ProxySynthesis(embeddings, labels, clean, loss, rng, keepMixedEmbeddings),
            _ => null,
        };
        return (clean, mined, done);
    }

    /// <summary>A random subset of at most <paramref name="limit"/> mixes, with their pairs.</summary>
    internal static MixPlan Subsample(MixPlan plan, int limit, Rng rng)
    {
        if (plan.Count <= limit) return plan;
        var keep = rng.Choice(plan.Count, limit, replace: false);
        Array.Sort(keep);
        var newIndex = new Dictionary<int, int>();
        for (int u = 0; u < keep.Length; u++) newIndex[keep[u]] = u;
        var pa = new List<int>();
        var pc = new List<int>();
        var py = new List<float>();
        for (int k = 0; k < plan.Pairs.Count; k++)
            if (newIndex.TryGetValue(plan.Pairs.Candidate[k], out int m))
            {
                pa.Add(plan.Pairs.Anchor[k]);
                pc.Add(m);
                py.Add(plan.Pairs.Label[k]);
            }
        return new MixPlan(keep.Select(u => plan.First[u]).ToArray(), keep.Select(u => plan.Second[u]).ToArray(), plan.Lambda,
            new Pairs([.. pa], [.. pc], [.. py]), plan.Set);
    }

    /// <summary>
    /// Per anchor, the <paramref name="k"/> negatives with the largest clean similarity (ties: lower index), chosen
    /// among <paramref name="among"/>[a] when given (the negatives a miner kept), else among every negative.
    /// </summary>
    public static int[][] HardNegatives(Tensor embeddings, int[] labels, int k, int[][]? among = null)
    {
        int n = labels.Length, d = embeddings.Dim(1);
        var e = embeddings.Span;
        var result = new int[n][];
        for (int a = 0; a < n; a++)
        {
            var candidates = new List<(float S, int I)>();
            foreach (int x in among?[a] ?? Enumerable.Range(0, n))
                if (labels[x] != labels[a])
                    candidates.Add((System.Numerics.Tensors.TensorPrimitives.Dot(e.Slice(a * d, d), e.Slice(x * d, d)), x));
            result[a] = candidates.OrderByDescending(c => c.S).ThenBy(c => c.I).Take(k).Select(c => c.I).ToArray();
        }
        return result;
    }
}
