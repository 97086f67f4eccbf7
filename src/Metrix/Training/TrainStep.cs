using System.Diagnostics;
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

    /// <summary>
    /// The step of <paramref name="model"/> under <paramref name="loss"/> with the optimiser, learning rate,
    /// weight decay, warm-up and mixup of <paramref name="options"/>. The body's parameter group holds the
    /// parameters that train at construction (BatchNorm frozen by <c>--bn_freeze</c> stays out).
    /// </summary>
    public TrainStep(EmbeddingNet model, PairLoss loss, TrainOptions options, IGradientExchange? exchange = null)
    {
        _model = model;
        _loss = loss;
        _mixup = options.Mixup;
        _warm = options.Warm;
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
    /// Runs one step on a batch inside the caller's <see cref="TensorScope"/>. When the objective is not finite
    /// nothing is updated and <see cref="StepResult.Finite"/> is false; it is false too when the update left a
    /// parameter that is not finite. <paramref name="analysis"/> keeps the
    /// mixed embeddings and per-pair gradients for <c>metrix analyze</c>; <paramref name="clock"/>, when given,
    /// marks the end of the forward pass and of the backward pass (for the benchmark).
    /// </summary>
    public StepResult Run(Tensor images, int[] labels, Rng rng, bool analysis = false, Stopwatch? clock = null)
    {
        var output = MetrixObjective.Compute(_model, images, labels, _loss, _mixup, rng,
            keepMixedEmbeddings: analysis, recordPairs: analysis);
        double value = output.Loss.Item();
        double forward = clock?.Elapsed.TotalMilliseconds ?? 0;
        if (!double.IsFinite(value)) return new StepResult(output, value, false, forward, 0);
        output.Loss.Backward();
        double backward = (clock?.Elapsed.TotalMilliseconds ?? 0) - forward;
        Exchange?.AfterBackward(_trainable);
        GradClip.ByValue(_trainable, ClipValue);
        Optimizer.Step();
        Optimizer.ZeroGrad();
        _model.ZeroGrad();
        // A finite loss can still leave non-finite weights (a NaN gradient survives clipping); the run must stop
        // before they reach a checkpoint.
        bool finite = _trainable.All(p => float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(p.Span)));
        return new StepResult(output, value, finite, forward, backward);
    }
}
