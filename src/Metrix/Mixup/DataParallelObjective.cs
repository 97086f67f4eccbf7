using Metrix.Distributed;
using Metrix.Losses;
using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Mixup;

/// <summary>
/// <see cref="MetrixObjective"/> of a global batch whose rows are shared among the ranks of a data-parallel
/// group: every rank holds its <see cref="BatchShard"/> of the images and all the labels, and gets the objective
/// one process computes on the whole batch. After backward, each rank holds its own contribution to the gradients
/// of the body and the embedding layer (to be summed over the group, <see cref="GradientSum"/>, and then
/// completed by <see cref="AfterExchange"/>) and the whole gradient of the loss parameters.
/// </summary>
/// <remarks>
/// How each part is shared:
/// <list type="bullet">
/// <item>Clean: each rank embeds its rows; the embeddings are gathered (<see cref="GroupOps.GatherRows(ICommunicator, Tensor?, ReadOnlySpan{int}, ReadOnlySpan{int})"/>)
/// and every rank computes the same loss on the whole batch. λ, the pair set, the plan and its subsample are drawn
/// from the same generator with the same global labels, so they are the same on every rank.</item>
/// <item>Input mixup: hardest negatives from the gathered clean embeddings; the images are gathered (their bits,
/// no gradient) and each rank runs the network on its even share of the mixed images; the mixed embeddings are gathered.</item>
/// <item>Feature mixup: the layer-4 maps are gathered and every rank pools all mixes (cheap next to the body) and runs
/// the head on them with a copy of the embedding layer's parameters, so the gradient reaching each rank's own maps is
/// whole with no further exchange. The copy's gradient (the mixed part of the embedding layer's, the same on every
/// rank) is added after the sum, once.</item>
/// <item>Embedding mixup: mixes the gathered embeddings, on every rank.</item>
/// </list>
/// BatchNorm in training mode keeps per-rank statistics unless the body is synchronised
/// (<see cref="EmbeddingNet.SynchronizeBatchNorm"/>); frozen BatchNorm is per row and so exact.
/// </remarks>
public sealed class DataParallelObjective
{
    private readonly EmbeddingNet _model;
    private readonly PairLoss _loss;
    private readonly MixupOptions _options;
    private readonly ICommunicator _group;
    private Tensor? _headWeight, _headBias;

    /// <summary>The objective of <paramref name="model"/> under <paramref name="loss"/> and <paramref name="options"/> over <paramref name="group"/>.</summary>
    public DataParallelObjective(EmbeddingNet model, PairLoss loss, MixupOptions options, ICommunicator group)
    {
        _model = model;
        _loss = loss;
        _options = options;
        _group = group;
    }

    /// <summary>
    /// Runs this rank's part of the network on <paramref name="images"/>, the rows
    /// <c>BatchShard.For(labels, Rank, Size)</c> of the global batch whose labels are <paramref name="labels"/>, and
    /// returns the objective of the whole batch (the same value on every rank). Every rank must call it with the
    /// same labels and an identically seeded <paramref name="rng"/>.
    /// </summary>
    public StepOutput Compute(Tensor images, int[] labels, Rng rng, bool keepMixedEmbeddings = false, bool recordPairs = false)
    {
        var shards = BatchShard.Split(labels, _group.Size);
        var mine = shards[_group.Rank];
        if (images.Rank != 4 || images.Dim(0) != mine.Count)
            throw new ArgumentException($"rank {_group.Rank} of {_group.Size} holds rows {mine.Start}..{mine.End - 1} of a batch of {labels.Length}: expected {mine.Count} images, got {Shapes.Format(images.Shape)}", nameof(images));
        var rows = BatchShard.Counts(shards);
        var options = _options;
        var model = _model;

        var features = model.Features(images);
        var local = model.Embed(EmbeddingNet.Pool(features));
        var embeddings = GroupOps.GatherRows(_group, local, rows);
        // As MetrixObjective, on the gathered embeddings: mining, the clean loss, the compared methods, the mix plan.
        var (clean, mined, done) = MetrixObjective.Begin(embeddings, labels, _loss, options, rng,
            (first, second, l) => MixedImages(images, rows, first, second, l), keepMixedEmbeddings);
        if (done is not null) return done;

        float lambda = (float)rng.Beta(options.Alpha, options.Alpha);
        var set = options.PairSets[rng.NextInt(options.PairSets.Count)];
        int[][]? hard = options.Mode == MixMode.Input ? MetrixObjective.HardNegatives(embeddings, labels, options.HardNegatives, mined?.Negatives) : null;
        var plan = MixPlan.Create(set, labels, lambda, rng, hard ?? mined?.Negatives, mined?.Positives);
        if (plan.Count == 0)
            return new StepOutput(clean, clean.Item(), null, lambda, set, 0, null);
        if (_loss.MixesPerImage is int perImage) plan = MetrixObjective.Subsample(plan, perImage * labels.Length, rng);

        Tensor mixed = options.Mode switch
        {
            MixMode.Embed => MixOps.MixRows(embeddings, plan.First, plan.Second, lambda),
            MixMode.Feature => MixedFeatures(features, rows, plan),
            MixMode.Input => MixedImages(images, rows, plan.First, plan.Second, plan.Lambda),
            _ => throw new InvalidOperationException(),
        };
        var pairs = _loss.MixedPairs(plan.Pairs, labels, plan.First, plan.Second, plan.Lambda);
        var mixedPairGradient = recordPairs ? new double[pairs.Count] : null;
        var similarity = recordPairs ? new double[pairs.Count] : null;
        var mixedLoss = _loss.Mixed(embeddings, mixed, pairs, mixedPairGradient, similarity);
        var total = Ops.Add(clean, Ops.Mul(mixedLoss, Tensor.Scalar((float)options.MixWeight)));
        Tensor? kept = keepMixedEmbeddings ? TensorScope.Outside(() => mixed.Detach()) : null;
        return new StepOutput(total, clean.Item(), mixedLoss.Item(), lambda, set, plan.Count, kept)
        {
            MixedPairs = recordPairs ? (pairs.Label.ToArray(), mixedPairGradient!, similarity!) : null,
        };
    }

    /// <summary>
    /// Adds the embedding layer's gradient from the mixed features of feature mixup, which every rank computed
    /// whole, to the layer's gradient after the group summed the ranks' contributions; call it after the exchange.
    /// </summary>
    public void AfterExchange()
    {
        Fold(_headWeight, _model.Embedding.Weight);
        Fold(_headBias, _model.Embedding.Bias);
    }

    private static void Fold(Tensor? copy, Tensor? parameter)
    {
        if (copy?.Grad is not { } g || parameter is null) return;
        if (parameter.Grad is null) parameter.Grad = TensorScope.Outside(g.Detach);
        else parameter.Grad.AddInPlace(g);
        copy.Grad = null;
        g.Dispose();
    }

    /// <summary>Feature mixup over the gathered layer-4 maps, pooled and embedded on every rank through a copy of the head.</summary>
    private Tensor MixedFeatures(Tensor features, int[] rows, MixPlan plan)
    {
        var maps = GroupOps.GatherRows(_group, features, rows);
        var pooled = MixOps.MixedPool(maps, plan.First, plan.Second, plan.Lambda);
        var layer = _model.Embedding;
        _headWeight = Copy(_headWeight, layer.Weight);
        _headBias = layer.Bias is null ? null : Copy(_headBias, layer.Bias);
        return _model.Embed(pooled, _headWeight, _headBias);
    }

    /// <summary>A persistent leaf holding <paramref name="parameter"/>'s current values, requiring grad as it does.</summary>
    private static Tensor Copy(Tensor? copy, Tensor parameter)
    {
        copy ??= Tensor.Persistent(parameter.Shape);
        parameter.Span.CopyTo(copy.Span);
        copy.Grad = null;
        copy.RequiresGrad = parameter.RequiresGrad;
        return copy;
    }

    /// <summary>Input mixup: the images gathered, this rank's even share of the mixes through the network, the mixed embeddings gathered.</summary>
    private Tensor MixedImages(Tensor images, int[] rows, int[] first, int[] second, float lambda)
    {
        Tensor all;
        using (Autograd.NoGrad()) all = GroupOps.GatherRows(_group, images, rows);
        int size = _group.Size, dim = _model.EmbeddingSize;
        var shares = new int[size];
        for (int r = 0; r < size; r++) shares[r] = BatchShard.Even(first.Length, r, size).Count;
        var share = BatchShard.Even(first.Length, _group.Rank, size);
        if (first.Length < size && _model.Body.BatchNorms.Any(bn => bn.GroupSum is not null && !bn.Frozen))
            throw new InvalidOperationException($"input mixup over {size} processes with synchronised BatchNorm needs at least {size} mixed images per step; this step has {first.Length}");
        Tensor? local = null;
        if (share.Count > 0)
        {
            var mixedImages = MixOps.MixRows(all, first[share.Start..share.End], second[share.Start..share.End], lambda);
            local = _model.Forward(mixedImages);
        }
        return GroupOps.GatherRows(_group, local, shares, [dim]);
    }
}
