using System.Diagnostics;
using Metrix.Distributed;
using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Training;

/// <summary>
/// One training step, the same for <c>metrix train</c> and <c>metrix bench</c>: forward and the Metrix
/// objective (E = ℓ + w·ℓ̃), backward, the gradient exchange of data-parallel training (<see cref="IGradientExchange"/>,
/// none on one process), clipping by value at <see cref="ClipValue"/>, the optimiser step and zeroed gradients.
/// It owns the parameter groups — body, embedding layer, loss parameters at <see cref="LossLrScale"/>× the
/// learning rate — the optimiser and <c>--warm</c>; the schedule sets the groups' rates per epoch.
/// </summary>
/// <remarks>
/// Data-parallel training: over a <see cref="Group"/> of several ranks, every rank runs the step with the labels of
/// the whole global batch and the images of its <see cref="BatchShard"/> only (<see cref="Shard"/>); the objective
/// is the one a single process computes on the whole batch (<see cref="DataParallelObjective"/>), the ranks'
/// gradients are summed (<see cref="GradientSum"/>, the loss parameters excepted: every rank has their whole
/// gradient), and clipping and the optimiser see the single-process gradient on every rank. With
/// <c>--sync_bn</c> and trained BatchNorm the body's batch statistics are the group's. A group of one runs the
/// single-process path unchanged.
/// </remarks>
public sealed class TrainStep
{
    /// <summary>Gradient clipping threshold (by value), as the release.</summary>
    public const float ClipValue = 10f;

    /// <summary>Learning-rate multiplier of loss parameters (proxies).</summary>
    public const double LossLrScale = 100;

    private readonly EmbeddingNet _model;
    private readonly PairLoss _loss;
    private readonly MixupOptions _mixup;
    private readonly IReadOnlyList<Tensor> _body;
    private readonly IReadOnlyList<Tensor> _trainable;
    private readonly int _warm;
    private readonly DataParallelObjective? _parallel;
    private readonly bool _broadcastStatistics;

    /// <summary>
    /// The step of <paramref name="model"/> under <paramref name="loss"/> with the optimiser, learning rate,
    /// weight decay, warm-up and mixup of <paramref name="options"/>. The body's parameter group holds the
    /// parameters that train at construction (BatchNorm frozen by <c>--bn_freeze</c> stays out).
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="loss">The loss (its parameters form the third group).</param>
    /// <param name="options">The run's settings.</param>
    /// <param name="exchange">Called between backward and clipping; by default none on one process and a
    /// <see cref="GradientSum"/> over <paramref name="group"/> on several (one given for several ranks must sum the body's
    /// and the embedding layer's gradients and leave the loss parameters', which every rank has whole).</param>
    /// <param name="group">The data-parallel group this process is a rank of (default: one process).</param>
    public TrainStep(EmbeddingNet model, PairLoss loss, TrainOptions options, IGradientExchange? exchange = null, ICommunicator? group = null)
    {
        _model = model;
        _loss = loss;
        _mixup = options.Mixup;
        _warm = options.Warm;
        Group = group ?? SingleProcess.Instance;
        if (Group.Size > 1)
        {
            _parallel = new DataParallelObjective(model, loss, options.Mixup, Group);
            exchange ??= new GradientSum(Group, loss.Parameters.Select(p => p.Tensor), options.OverlapComm);
            if (options.SyncBn && !options.BnFreeze) model.SynchronizeBatchNorm(Group.AllReduceSum);
            _broadcastStatistics = !options.BnFreeze && !options.SyncBn;
        }
        Exchange = exchange;
        var body = model.BodyParameters().Where(p => p.RequiresGrad).ToList();
        var head = model.HeadParameters().ToList();
        var lossParams = loss.Parameters.Select(p => p.Tensor).ToList();
        var groups = new List<ParamGroup>
        {
            new("body", body, options.Lr, options.WeightDecay),
            new("embedding", head, options.Lr, options.WeightDecay),
        };
        if (lossParams.Count > 0) groups.Add(new ParamGroup("loss", lossParams, options.Lr * LossLrScale, options.WeightDecay));
        Optimizer = options.Optimizer switch
        {
            OptimizerKind.AdamW => new Adam(groups, decoupled: true),
            OptimizerKind.Adam => new Adam(groups, decoupled: false),
            OptimizerKind.Sgd => new Sgd(groups, momentum: 0.9),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
        };
        _body = body;
        _trainable = [.. body, .. head, .. lossParams];
    }

    /// <summary>The optimiser over the parameter groups (its state is part of a checkpoint).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Called between backward and clipping; null on a single process.</summary>
    public IGradientExchange? Exchange { get; }

    /// <summary>The data-parallel group this step is a rank of (<see cref="SingleProcess"/> by default).</summary>
    public ICommunicator Group { get; }

    /// <summary>
    /// The rows of a global batch with <paramref name="labels"/> whose images this rank passes to <see cref="Run"/>
    /// (<see cref="BatchShard.For"/>; the whole batch on one process).
    /// </summary>
    public BatchShard Shard(IReadOnlyList<int> labels) =>
        Group.Size == 1 ? new BatchShard(0, labels.Count) : BatchShard.For(labels, Group.Rank, Group.Size);

    /// <summary>Every parameter the step updates (body, embedding, loss), in group order.</summary>
    public IReadOnlyList<Tensor> Trainable => _trainable;

    /// <summary>Makes the schedule for <paramref name="options"/>: StepLR or cosine annealing over the run.</summary>
    public ILrSchedule Schedule(TrainOptions options) => options.LrSchedule switch
    {
        LrScheduleKind.Cosine => new CosineLR(Optimizer, options.NumEpochs),
        LrScheduleKind.Step => new StepLR(Optimizer, options.LrDecayStep, options.LrDecayGamma),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.LrSchedule, "unknown schedule"),
    };

    /// <summary><c>--warm</c>: in the first epochs only the embedding layer and the loss parameters train.</summary>
    public void BeginEpoch(int epoch)
    {
        foreach (var p in _body) p.RequiresGrad = epoch >= _warm;
    }

    /// <summary>
    /// Per-rank BatchNorm statistics (trained, not synchronised) leave each rank different running statistics; as
    /// PyTorch DDP broadcasts buffers, rank 0's are copied to every rank after each step, so that all ranks hold the
    /// model rank 0 saves and evaluate alike.
    /// </summary>
    private void BroadcastRunningStatistics()
    {
        foreach (var bn in _model.Body.BatchNorms)
        {
            Group.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(bn.RunningMean.Span), 0);
            Group.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(bn.RunningVar.Span), 0);
        }
    }

    /// <summary>
    /// Runs one step on a batch inside the caller's <see cref="TensorScope"/>. When the objective is not finite
    /// nothing is updated and <see cref="StepResult.Finite"/> is false; it is false too when the update left a
    /// parameter that is not finite. <paramref name="analysis"/> keeps the
    /// mixed embeddings and per-pair gradients for <c>metrix analyze</c>; <paramref name="clock"/>, when given,
    /// marks the end of the forward pass and of the backward pass (for the benchmark).
    /// </summary>
    /// <param name="images">This rank's rows of the batch, [<see cref="Shard"/>(labels).Count, 3, H, W] (on one process, the whole batch).</param>
    /// <param name="labels">The labels of the whole global batch, the same on every rank.</param>
    /// <param name="rng">The step's generator, seeded identically on every rank.</param>
    /// <param name="analysis">Keep the analysis record.</param>
    /// <param name="clock">Marks the end of the forward and backward passes when given.</param>
    public StepResult Run(Tensor images, int[] labels, Rng rng, bool analysis = false, Stopwatch? clock = null)
    {
        var output = _parallel is null
            ? MetrixObjective.Compute(_model, images, labels, _loss, _mixup, rng, keepMixedEmbeddings: analysis, recordPairs: analysis)
            : _parallel.Compute(images, labels, rng, keepMixedEmbeddings: analysis, recordPairs: analysis);
        double value = output.Loss.Item();
        double forward = clock?.Elapsed.TotalMilliseconds ?? 0;
        if (!double.IsFinite(value)) return new StepResult(output, value, false, forward, 0);
        output.Loss.Backward(observer: Exchange?.BeginBackward(_trainable));
        double backward = (clock?.Elapsed.TotalMilliseconds ?? 0) - forward;
        Exchange?.AfterBackward(_trainable);
        _parallel?.AfterExchange();
        GradClip.ByValue(_trainable, ClipValue);
        Optimizer.Step();
        Optimizer.ZeroGrad();
        _model.ZeroGrad();
        if (_broadcastStatistics) BroadcastRunningStatistics();
        // A finite loss can still leave non-finite weights (a NaN gradient survives clipping); the run must stop
        // before they reach a checkpoint. Every rank holds the same weights, so every rank stops alike.
        bool finite = _trainable.All(p => float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(p.Span)));
        return new StepResult(output, value, finite, forward, backward);
    }
}
