using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// The metric-learning network f = g ∘ h: body h = ResNet to layer4; head g = global average pooling plus
/// global max pooling (summed) → <c>embedding</c> Linear(C, D) (Kaiming-normal fan_out, bias 0) → L2
/// normalisation (switchable). Body parameters keep torchvision's names; the head's are
/// <c>embedding.weight</c> and <c>embedding.bias</c>.
/// </summary>
public sealed class EmbeddingNet : Module
{
    /// <summary>Builds the network; <paramref name="width"/> below 64 gives reduced models for tests.</summary>
    public EmbeddingNet(string model, int embeddingSize, bool l2Normalize, Rng rng, int width = 64)
    {
        Body = Child("", new ResNet(model, rng, width));
        Embedding = new Linear(Body.OutChannels, embeddingSize, bias: true, rng);
        Init.KaimingNormalFanOut(rng, Embedding.Weight);
        Embedding.Bias!.Span.Clear();
        Child("embedding", Embedding);
        L2Normalize = l2Normalize;
        EmbeddingSize = embeddingSize;
    }

    /// <summary>The ResNet body h.</summary>
    public ResNet Body { get; }

    /// <summary>The embedding layer of the head.</summary>
    public Linear Embedding { get; }

    /// <summary>Whether the head L2-normalises its output.</summary>
    public bool L2Normalize { get; }

    /// <summary>D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>
    /// <c>bn_freeze</c>: every BatchNorm2d of the body uses its running statistics, never updates them, and
    /// does not train its affine parameters.
    /// </summary>
    public void FreezeBatchNorm(bool frozen = true)
    {
        foreach (var bn in Body.BatchNorms) bn.Frozen = frozen;
    }

    /// <summary>
    /// Synchronised BatchNorm (<c>--sync_bn</c>): every BatchNorm2d of the body takes its training statistics over a
    /// data-parallel group whose sums <paramref name="groupSum"/> forms; null returns to per-process statistics.
    /// </summary>
    public void SynchronizeBatchNorm(Action<Span<double>>? groupSum)
    {
        foreach (var bn in Body.BatchNorms) bn.GroupSum = groupSum;
    }

    /// <summary>The embedding layer's parameters (the release's second parameter group).</summary>
    public IEnumerable<Tensor> HeadParameters() => Embedding.Parameters();

    /// <summary>The body's parameters.</summary>
    public IEnumerable<Tensor> BodyParameters() => Body.Parameters();

    /// <summary>h(x): [N,3,H,W] → [N,C,h,w].</summary>
    public Tensor Features(Tensor x) => Body.Forward(x);

    /// <summary>Global average + global max pooling of features: [N,C,h,w] → [N,C].</summary>
    public static Tensor Pool(Tensor features)
    {
        int n = features.Dim(0), c = features.Dim(1);
        var avg = Ops.Reshape(Ops.AdaptiveAvgPool2d(features, 1, 1), n, c);
        var max = Ops.Reshape(Ops.AdaptiveMaxPool2d(features, 1, 1), n, c);
        return Ops.Add(avg, max);
    }

    /// <summary>Pooled features [N,C] → embeddings [N,D] (L2-normalised when enabled).</summary>
    public Tensor Embed(Tensor pooled)
    {
        var e = Embedding.Forward(pooled);
        return L2Normalize ? Ops.L2Normalize(e) : e;
    }

    /// <summary>
    /// <see cref="Embed(Tensor)"/> with <paramref name="weight"/> and <paramref name="bias"/> in place of the embedding
    /// layer's parameters (same shapes): data-parallel training runs the head on mixed features with a copy whose
    /// gradient it accounts for separately.
    /// </summary>
    public Tensor Embed(Tensor pooled, Tensor weight, Tensor? bias)
    {
        var e = Ops.Linear(pooled, weight, bias);
        return L2Normalize ? Ops.L2Normalize(e) : e;
    }

    /// <summary>g(features): the head.</summary>
    public Tensor Head(Tensor features) => Embed(Pool(features));

    /// <summary>f(x) = g(h(x)).</summary>
    public Tensor Forward(Tensor x) => Head(Features(x));
}
