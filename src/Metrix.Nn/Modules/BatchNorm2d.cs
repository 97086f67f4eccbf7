using Metrix.Tensors;

namespace Metrix.Nn;

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

    /// <summary>
    /// Synchronised BatchNorm for data-parallel training: sums a buffer of doubles element-wise over the group of
    /// processes, in place, so that training-mode statistics are those of the group's whole batch (see
    /// <see cref="Ops.BatchNorm2d"/>). Null (the default): this process's batch alone.
    /// </summary>
    public Action<Span<double>>? GroupSum { get; set; }

    /// <summary>y = batch_norm(x) with batch statistics in training mode (unless frozen), running ones otherwise.</summary>
    public Tensor Forward(Tensor x)
    {
        bool batchStats = IsTraining && !Frozen;
        if (batchStats) NumBatchesTracked.Span[0] += 1;
        return Ops.BatchNorm2d(x, Weight, Bias, RunningMean, RunningVar, batchStats, groupSum: GroupSum);
    }

    /// <summary>relu(batch_norm(x) + residual), residual optional: one fused pass when the layer uses running statistics.</summary>
    public Tensor ForwardRelu(Tensor x, Tensor? residual = null)
    {
        bool batchStats = IsTraining && !Frozen;
        if (batchStats) NumBatchesTracked.Span[0] += 1;
        return Ops.BatchNorm2dRelu(x, Weight, Bias, RunningMean, RunningVar, batchStats, residual, groupSum: GroupSum);
    }
}
