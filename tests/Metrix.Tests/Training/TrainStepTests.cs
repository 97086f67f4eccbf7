using Metrix.Losses;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Training;

namespace Metrix.Tests;

/// <summary>
/// The training step: the seam for data-parallel training (the exchange runs after backward and before clipping
/// and the update), clipping by value at 10 and the learning rate of each parameter group.
/// </summary>
public sealed class TrainStepTests
{
    /// <summary>Scales every gradient it is handed (as an average over ranks would) and records what it saw.</summary>
    private sealed class ScalingExchange(float factor) : IGradientExchange
    {
        public float Factor { get; set; } = factor;
        public int Calls { get; private set; }
        public float LargestGradient { get; private set; }
        public int Parameters { get; private set; }

        public void AfterBackward(IReadOnlyList<Tensor> parameters)
        {
            Calls++;
            Parameters = parameters.Count;
            foreach (var p in parameters)
                if (p.Grad is { } g)
                {
                    foreach (float v in g.Span) LargestGradient = Math.Max(LargestGradient, Math.Abs(v));
                    System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, Factor, g.Span);
                }
        }
    }

    private static (TrainStep Step, EmbeddingNet Model, Tensor Images, int[] Labels) Setup(IGradientExchange exchange, double lr)
    {
        var options = new GivenTrainOptions
        {
            Model = Backbone.ResNet18, EmbeddingSize = 8, ImageSize = 32, BatchSize = 8, ImagesPerClass = 4, BnFreeze = true,
            Optimizer = OptimizerKind.Sgd, Lr = lr, WeightDecay = 0, Loss = LossKind.ProxyAnchor, Warm = 0,
        }.Resolve();
        var rng = new Rng(11);
        var model = new EmbeddingNet(options.ModelName, options.EmbeddingSize, options.L2Norm, rng);
        model.FreezeBatchNorm(options.BnFreeze);
        var loss = LossFactory.Create(options.LossName, 2, options.EmbeddingSize, rng);
        var step = new TrainStep(model, loss, options, exchange);
        var images = TensorScope.Outside(() => rng.Normal([8, 3, 32, 32]));
        return (step, model, images, [0, 0, 0, 0, 1, 1, 1, 1]);
    }

    [Fact]
    public void The_exchange_runs_after_backward_and_before_clipping_and_the_update()
    {
        var exchange = new ScalingExchange(0);
        var (step, _, images, labels) = Setup(exchange, lr: 1e-3);
        var before = step.Trainable.Select(p => p.ToArray()).ToList();

        using (new TensorScope())
            Assert.True(step.Run(images, labels, new Rng(3)).Finite);

        Assert.Equal(1, exchange.Calls);
        Assert.Equal(step.Trainable.Count, exchange.Parameters);
        Assert.True(exchange.LargestGradient > 0);
        // Gradients zeroed by the exchange leave SGD without weight decay nothing to apply.
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], step.Trainable[i].ToArray());

        // Scaled up a million times instead, clipping at 10 still bounds every update to lr × 10 (the loss
        // parameters train at 100× the rate): the clip sees what the exchange leaves.
        exchange.Factor = 1e6f;
        using (new TensorScope())
            step.Run(images, labels, new Rng(4));
        double largest = 0;
        for (int i = 0; i < before.Count; i++)
        {
            var after = step.Trainable[i].ToArray();
            for (int j = 0; j < after.Length; j++) largest = Math.Max(largest, Math.Abs(after[j] - before[i][j]));
        }
        Assert.True(largest > 0);
        Assert.True(largest <= 1e-3 * TrainStep.LossLrScale * TrainStep.ClipValue * (1 + 1e-5), $"largest update {largest}");
    }
    /// <summary>Scales each parameter's gradient so that its largest element is 40, and keeps what it handed on.</summary>
    private sealed class SpreadingExchange : IGradientExchange
    {
        public Dictionary<Tensor, float[]> Gradients { get; } = new(ReferenceEqualityComparer.Instance);

        public void AfterBackward(IReadOnlyList<Tensor> parameters)
        {
            foreach (var p in parameters)
                if (p.Grad is { } g)
                {
                    float largest = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(g.Span);
                    if (largest > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, 40 / Math.Abs(largest), g.Span);
                    Gradients[p] = g.ToArray();
                }
        }
    }

    /// <summary>
    /// The release's optimiser setup: body and embedding layer at the learning rate, the loss's proxies at 100×, and
    /// every gradient element clamped to [−10, 10] before the update. With SGD (momentum's first step is the
    /// gradient itself, no weight decay) each element moves by exactly its group's rate × the clamped gradient.
    /// The gradients are spread to ±40 so that every tensor has elements on both sides of the threshold.
    /// </summary>
    [Fact]
    public void Each_group_moves_by_its_rate_times_the_gradient_clamped_at_ten()
    {
        const double lr = 1e-3;
        var exchange = new SpreadingExchange();
        var (step, model, images, labels) = Setup(exchange, lr);
        var before = new Dictionary<Tensor, float[]>(ReferenceEqualityComparer.Instance);
        foreach (var p in step.Trainable) before[p] = p.ToArray();
        using (new TensorScope())
            Assert.True(step.Run(images, labels, new Rng(3)).Finite);

        var groups = new (string Name, IEnumerable<Tensor> Parameters, double Rate)[]
        {
            ("body", model.BodyParameters().Where(p => p.RequiresGrad), lr),
            ("embedding", model.HeadParameters(), lr),
            ("loss", step.Trainable.Except(model.BodyParameters()).Except(model.HeadParameters()), 100 * lr),
        };
        foreach (var (name, parameters, rate) in groups)
        {
            int clipped = 0, free = 0, tensors = 0;
            foreach (var p in parameters)
            {
                tensors++;
                var g = exchange.Gradients[p];
                var w0 = before[p];
                var w1 = p.ToArray();
                for (int i = 0; i < g.Length; i++)
                {
                    double expected = rate * Math.Clamp(g[i], -10f, 10f), moved = (double)w0[i] - w1[i];
                    double ulp = MathF.BitIncrement(Math.Abs(w0[i])) - Math.Abs(w0[i]);
                    Assert.True(Math.Abs(moved - expected) <= 1e-4 * Math.Abs(expected) + 2 * ulp,
                        $"{name} group, element {i}: gradient {g[i]}, moved {moved}, expected {expected}");
                    if (Math.Abs(g[i]) > 10) clipped++;
                    else free++;
                }
            }
            Assert.True(tensors > 0, $"{name} group is empty");
            Assert.True(clipped > 0 && free > 0, $"{name} group: {clipped} clipped and {free} unclipped elements");
        }
    }
}
