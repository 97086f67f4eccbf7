using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>2-D convolution layer (groups 1); weight [O,C,k,k], optional bias, PyTorch's default init.</summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates the layer with Kaiming-uniform (a = √5) weights, as PyTorch's default.</summary>
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, bool bias, Rng rng)
    {
        Stride = stride;
        Padding = padding;
        Weight = Parameter("weight", Init.KaimingUniform(rng, [outChannels, inChannels, kernel, kernel], Math.Sqrt(5)));
        if (bias) Bias = Parameter("bias", Init.Uniform(rng, [outChannels], 1 / Math.Sqrt(inChannels * kernel * kernel)));
    }

    /// <summary>[O,C,k,k].</summary>
    public Tensor Weight { get; }

    /// <summary>[O] or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Zero padding.</summary>
    public int Padding { get; }

    /// <summary>y = conv2d(x).</summary>
    public Tensor Forward(Tensor x) => Ops.Conv2d(x, Weight, Bias, Stride, Padding);
}

/// <summary>
/// Batch normalisation over channels with affine weight/bias and running statistics
/// (<c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>).
/// </summary>
public sealed class BatchNorm2d : Module
{
    /// <summary>Creates the layer: weight 1, bias 0, running mean 0, running variance 1.</summary>
    public BatchNorm2d(int channels)
    {
        Weight = Parameter("weight", Init.Constant([channels], 1f));
        Bias = Parameter("bias", Init.Constant([channels], 0f));
        RunningMean = Buffer("running_mean", Init.Constant([channels], 0f));
        RunningVar = Buffer("running_var", Init.Constant([channels], 1f));
        NumBatchesTracked = Buffer("num_batches_tracked", Init.Constant([], 0f));
    }

    /// <summary>γ.</summary>
    public Tensor Weight { get; }

    /// <summary>β.</summary>
    public Tensor Bias { get; }

    /// <summary>Running mean.</summary>
    public Tensor RunningMean { get; }

    /// <summary>Running variance.</summary>
    public Tensor RunningVar { get; }

    /// <summary>Batches seen in training mode.</summary>
    public Tensor NumBatchesTracked { get; }

    /// <summary>
    /// Frozen: always normalises with the running statistics (never updates them, even in training mode)
    /// and its weight and bias do not require grad — the release's <c>bn_freeze</c>.
    /// </summary>
    public bool Frozen
    {
        get => _frozen;
        set
        {
            _frozen = value;
            Weight.RequiresGrad = !value;
            Bias.RequiresGrad = !value;
        }
    }

    private bool _frozen;

    /// <summary>y = batch_norm(x) with batch statistics in training mode (unless frozen), running ones otherwise.</summary>
    public Tensor Forward(Tensor x)
    {
        bool batchStats = IsTraining && !Frozen;
        if (batchStats) NumBatchesTracked.Span[0] += 1;
        return Ops.BatchNorm2d(x, Weight, Bias, RunningMean, RunningVar, batchStats);
    }

    /// <summary>relu(batch_norm(x) + residual), residual optional: one fused pass when the layer uses running statistics.</summary>
    public Tensor ForwardRelu(Tensor x, Tensor? residual = null)
    {
        bool batchStats = IsTraining && !Frozen;
        if (batchStats) NumBatchesTracked.Span[0] += 1;
        return Ops.BatchNorm2dRelu(x, Weight, Bias, RunningMean, RunningVar, batchStats, residual);
    }
}

/// <summary>Fully connected layer y = x·Wᵀ + b; weight [out,in].</summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer with PyTorch's default init (Kaiming-uniform a = √5; bias uniform ±1/√in).</summary>
    public Linear(int inFeatures, int outFeatures, bool bias, Rng rng)
    {
        Weight = Parameter("weight", Init.KaimingUniform(rng, [outFeatures, inFeatures], Math.Sqrt(5)));
        if (bias) Bias = Parameter("bias", Init.Uniform(rng, [outFeatures], 1 / Math.Sqrt(inFeatures)));
    }

    /// <summary>[out,in].</summary>
    public Tensor Weight { get; }

    /// <summary>[out] or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>y = x·Wᵀ + b.</summary>
    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}
