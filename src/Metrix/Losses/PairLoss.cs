using Metrix.Tensors;

namespace Metrix.Losses;

/// <summary>
/// A loss over labelled pairs (docs/method.md#similarity-and-the-labelled-loss). Implementations see, per pair,
/// the similarity s = ⟨a, x⟩ and the distance d = ‖a − x‖, and return the loss and its derivative with respect
/// to each;
/// <see cref="Compute"/> turns those into gradients of the anchors and candidates in one pass:
/// ∂a += ∂ℓ/∂s·x + ∂ℓ/∂d·(a − x)/d and ∂x += ∂ℓ/∂s·a − ∂ℓ/∂d·(a − x)/d.
/// </summary>
public abstract class PairLoss
{
    /// <summary>Name as given to <c>--loss</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Loss parameters (proxies) with their names; trained in their own optimiser group.</summary>
    public virtual IReadOnlyList<(string Name, Tensor Tensor)> Parameters => [];

    /// <summary>
    /// At most this many mixes per image of the batch enter ℓ̃ (a random subset), or null for every mix of
    /// the plan. Proxy losses relate each mix to every proxy, so they keep <see cref="ProxyMixesPerImage"/>.
    /// </summary>
    public virtual int? MixesPerImage => null;

    /// <summary>The mixes per image that proxy losses keep.</summary>
    protected const int ProxyMixesPerImage = 4;

    /// <summary>
    /// The clean loss ℓ of a batch, embeddings [N,D] with their classes: by default every ordered pair
    /// (i, j), i ≠ j, labelled 1 when the classes agree; proxy losses pair the examples with the proxies.
    /// </summary>
    public virtual Tensor Clean(Tensor embeddings, int[] labels, double[]? pairGradient = null) =>
        Compute(embeddings, embeddings, Pairs.AllInBatch(labels), pairGradient);

    /// <summary>
    /// The pairs of the mixed loss ℓ̃. Mix m blends batch rows <paramref name="first"/>[m] (weight λ) and
    /// <paramref name="second"/>[m] (weight 1 − λ), whose classes are in <paramref name="labels"/>;
    /// <paramref name="planPairs"/> relate batch anchors to the mixes with their soft labels. By default
    /// those are the pairs; proxy losses pair every mix with every proxy instead.
    /// </summary>
    public virtual Pairs MixedPairs(Pairs planPairs, ReadOnlySpan<int> labels, ReadOnlySpan<int> first, ReadOnlySpan<int> second, float lambda) =>
        planPairs;

    /// <summary>
    /// ℓ̃ over <paramref name="pairs"/> (from <see cref="MixedPairs"/>): by default the batch embeddings are the
    /// anchors and the mixed embeddings the candidates; proxy losses put the proxies on one side.
    /// <paramref name="pairGradient"/> and <paramref name="pairSimilarity"/> are as in <see cref="Compute"/>.
    /// </summary>
    public virtual Tensor Mixed(Tensor embeddings, Tensor mixed, Pairs pairs, double[]? pairGradient = null, double[]? pairSimilarity = null) =>
        Compute(embeddings, mixed, pairs, pairGradient, pairSimilarity);

    private static bool AllFinite(double[] values) =>
        values.Length == 0 || double.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(values));

    /// <summary>
    /// The loss of the pairs; fills <paramref name="dLds"/> and <paramref name="dLdd"/> per pair.
    /// </summary>
    protected abstract double Evaluate(PairValues values, Span<double> dLds, Span<double> dLdd);

    /// <summary>
    /// ℓ(anchors [A,D], candidates [M,D], pairs) as a scalar tensor with gradients to both inputs.
    /// When <paramref name="pairGradient"/> is given it receives ∂ℓ/∂s per pair (distance terms converted
    /// with ∂d/∂s = −1/d, exact for unit vectors), and <paramref name="pairSimilarity"/> the similarity s of
    /// each pair: the positivity analysis reads them.
    /// </summary>
    public unsafe Tensor Compute(Tensor anchors, Tensor candidates, Pairs pairs, double[]? pairGradient = null, double[]? pairSimilarity = null)
    {
        int dim = anchors.Dim(-1);
        if (candidates.Dim(-1) != dim) throw new ArgumentException($"anchors and candidates differ in width: {dim} and {candidates.Dim(-1)}");
        int count = pairs.Count;
        var s = new double[count];
        var d = new double[count];
        float* ap = anchors.Pointer, cp = candidates.Pointer;
        nint apn = (nint)ap, cpn = (nint)cp;
        Workers.For(count, 1024, (k0, k1) =>
        {
            for (int k = k0; k < k1; k++)
            {
                var a = new ReadOnlySpan<float>((float*)apn + (long)pairs.Anchor[k] * dim, dim);
                var x = new ReadOnlySpan<float>((float*)cpn + (long)pairs.Candidate[k] * dim, dim);
                s[k] = System.Numerics.Tensors.TensorPrimitives.Dot(a, x);
                d[k] = System.Numerics.Tensors.TensorPrimitives.Distance(a, x);
            }
        });
        var dLds = new double[count];
        var dLdd = new double[count];
        double value = Evaluate(new PairValues(pairs, s, d, anchors.Dim(0), candidates.Dim(0)), dLds, dLdd);
        // A loss of non-finite embeddings is not a number, whatever the loss's own arithmetic makes of it: the
        // contrastive loss keeps the terms that are > 0, and a NaN term is not, so it would report a finite
        // value and hide a diverged network from the trainer's NaN stop.
        if (!AllFinite(s) || !AllFinite(d)) value = double.NaN;
        if (pairGradient is not null)
            for (int k = 0; k < count; k++) pairGradient[k] = dLds[k] - (d[k] > 0 ? dLdd[k] / d[k] : 0);
        if (pairSimilarity is not null) s.AsSpan().CopyTo(pairSimilarity);
        var y = Tensor.Scalar((float)value);
        return Autograd.Record(y, Name, (g, grads) =>
        {
            float scale = g.Span[0];
            bool needA = Gradients.Needs(anchors), needC = Gradients.Needs(candidates);
            var ga = needA ? new float[anchors.Size] : null;
            var gc = needC ? new float[candidates.Size] : null;
            // Sequential over pairs: deterministic accumulation order whatever the thread count.
            var diff = new float[dim];
            for (int k = 0; k < count; k++)
            {
                double cs = dLds[k] * scale, cd = d[k] > 0 ? dLdd[k] * scale / d[k] : 0;
                if (cs == 0 && cd == 0) continue;
                int ai = pairs.Anchor[k] * dim, ci = pairs.Candidate[k] * dim;
                for (int t = 0; t < dim; t++)
                {
                    float av = ap[ai + t], xv = cp[ci + t];
                    float dv = (float)cd * (av - xv);
                    if (ga is not null) ga[ai + t] += (float)cs * xv + dv;
                    if (gc is not null) gc[ci + t] += (float)cs * av - dv;
                }
            }
            if (ga is not null) grads.Take(anchors, Tensor.FromArray(ga, anchors.ShapeArray()));
            if (gc is not null) grads.Take(candidates, Tensor.FromArray(gc, candidates.ShapeArray()));
        }, anchors, candidates);
    }
}
