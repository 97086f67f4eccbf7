using System.Globalization;
using Metrix.Distributed;
using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Testing;
using Metrix.Training;
using Xunit.Abstractions;

namespace Metrix.Tests;

/// <summary>
/// Data-parallel training is the same training as one process: N ranks (threads of an in-process
/// <see cref="ThreadGroup"/>), each holding its shard of the same global batches, compute the same per-step losses
/// and end with the same weights (parameters and BatchNorm buffers) as one process on the whole batches, for every
/// mode and loss, with frozen BatchNorm and with trained, synchronised BatchNorm.
/// </summary>
/// <remarks>
/// Tolerance: the ranks add gradients and BatchNorm statistics in another order than one process (per-rank partial
/// sums added across ranks; convolutions on fewer rows), so results agree to float32 rounding, not bit for bit. A loss
/// is compared relative to its value, a weight tensor by max|a − b| / max(max|b|, 0.01) (relative to the tensor's
/// scale; the floor keeps tensors that are still near their zero initialisation, biases, from turning a rounding
/// difference of 1e-9 into a large ratio). Losses: 1e-5 everywhere. Weights with frozen BatchNorm: 1e-5 (measured
/// ≤ 4e-7, a few ulps). Weights with trained, synchronised BatchNorm: 2e-4 (measured ≤ 1.2e-4, with the proxy
/// anchor loss; ≤ 5e-6 otherwise): training-mode BatchNorm divides by per-channel deviations of a dozen values and
/// ReLU followed by max pooling turns near-zero differences into a different chosen element, which magnifies rounding
/// — one process on 1 and on 2 threads differs by up to 1e-2 in the same input/proxy-anchor setting. SGD with momentum
/// carries gradient differences into the weights in proportion (Adam divides each gradient by its own running size,
/// which makes a rounding difference in a near-zero gradient a full step); the loss parameters train at 100× its rate.
/// </remarks>
public sealed class DataParallelStepTests(ITestOutputHelper output)
{
    private const double LossTolerance = 1e-5, FrozenTolerance = 1e-5, SyncTolerance = 2e-4;
    private const int Steps = 3, Classes = 4, PerClass = 3, Batch = Classes * PerClass, Size = 32;

    public static TheoryData<MixMode, LossKind> Cases()
    {
        var data = new TheoryData<MixMode, LossKind>();
        foreach (var mode in new[] { MixMode.Baseline, MixMode.Input, MixMode.Feature, MixMode.Embed })
            foreach (var loss in new[] { LossKind.Contrastive, LossKind.MultiSimilarity, LossKind.ProxyAnchor })
                data.Add(mode, loss);
        return data;
    }

    private static TrainOptions Options(MixMode mode, LossKind loss, bool bnFreeze, string pairs = "posneg,ancneg,negneg",
        double? minerEpsilon = null) => new GivenTrainOptions
        {
            Model = Backbone.ResNet18, EmbeddingSize = 8, ImageSize = Size, BatchSize = Batch, ImagesPerClass = PerClass,
            BnFreeze = bnFreeze, SyncBn = !bnFreeze, Optimizer = OptimizerKind.Sgd, Lr = bnFreeze ? 0.01 : 0.002, WeightDecay = 1e-4, Loss = loss,
            Mode = mode, Warm = 0, Pairs = PairSets.Parse(pairs), MinerEpsilon = minerEpsilon,
        }.Resolve();

    /// <summary>The global batches: images and labels (classes drawn from 8, <see cref="PerClass"/> consecutive rows each).</summary>
    private static (float[] Images, int[] Labels)[] Batches()
    {
        var rng = new Rng(21);
        var batches = new (float[], int[])[Steps];
        for (int s = 0; s < Steps; s++)
        {
            var classes = rng.Choice(8, Classes, replace: false);
            var labels = Enumerable.Range(0, Batch).Select(i => classes[i / PerClass]).ToArray();
            var images = new float[Batch * 3 * Size * Size];
            for (int i = 0; i < images.Length; i++) images[i] = (float)rng.Normal();
            batches[s] = (images, labels);
        }
        return batches;
    }

    private sealed record Outcome(double[] Losses, Dictionary<string, float[]> Weights, int[] Mixes, float[][] MixedPairLabels);

    /// <summary>Trains a freshly seeded model <see cref="Steps"/> steps over <paramref name="group"/> (one process when null).</summary>
    private static Outcome Train(TrainOptions options, ICommunicator? group, int steps = Steps, Func<PairLoss, IGradientExchange>? exchange = null)
    {
        var rng = new Rng(7);
        var model = new EmbeddingNet(options.ModelName, options.EmbeddingSize, options.L2Norm, rng, width: 8);
        var loss = LossFactory.Create(options.LossName, 8, options.EmbeddingSize, rng);
        model.FreezeBatchNorm(options.BnFreeze);
        var step = new TrainStep(model, loss, options, exchange?.Invoke(loss), group);
        step.BeginEpoch(0);
        model.Train();
        var losses = new List<double>();
        var mixes = new List<int>();
        var pairLabels = new List<float[]>();
        int plane = 3 * Size * Size;
        foreach (var (pixels, labels) in Batches().Take(steps))
        {
            var shard = step.Shard(labels);
            using var scope = new TensorScope();
            var images = Tensor.FromArray(pixels.AsSpan(shard.Start * plane, shard.Count * plane), shard.Count, 3, Size, Size);
            // With the analysis record, as the last epoch of a run keeps it.
            var result = step.Run(images, labels, new Rng((ulong)(100 + losses.Count)), analysis: true);
            Assert.True(result.Finite);
            losses.Add(result.Loss);
            mixes.Add(result.Output.Mixes);
            pairLabels.Add(result.Output.MixedPairs?.Labels ?? []);
        }
        var weights = model.StateDict().ToDictionary(p => p.Key, p => p.Value.ToArray());
        foreach (var (name, tensor) in loss.Parameters) weights["loss." + name] = tensor.ToArray();
        return new Outcome([.. losses], weights, [.. mixes], [.. pairLabels]);
    }

    /// <summary>
    /// The largest relative difference of any loss, and of any tensor's change over the steps (what training did to
    /// it, relative to the largest change of that tensor); fails above the tolerance.
    /// </summary>
    private static (double Loss, double Weight) Compare(Outcome expected, Outcome actual, double weightTolerance, string what)
    {
        // The same mixes and soft labels: the plan is drawn from the same generator and labels on every rank.
        Assert.Equal(expected.Mixes, actual.Mixes);
        Assert.Equal(expected.MixedPairLabels, actual.MixedPairLabels);
        double lossDiff = 0, weightDiff = 0;
        for (int s = 0; s < Steps; s++)
        {
            double d = Math.Abs(actual.Losses[s] - expected.Losses[s]) / Math.Max(1e-12, Math.Abs(expected.Losses[s]));
            Assert.True(d <= LossTolerance, $"{what}: step {s} loss {actual.Losses[s]:R} vs one process's {expected.Losses[s]:R} (relative {d:E2})");
            lossDiff = Math.Max(lossDiff, d);
        }
        foreach (var (name, want) in expected.Weights)
        {
            var got = actual.Weights[name];
            double scale = 0, diff = 0;
            for (int i = 0; i < want.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(want[i]));
                diff = Math.Max(diff, Math.Abs(got[i] - want[i]));
            }
            double rel = diff / Math.Max(scale, Floor);
            Assert.True(rel <= weightTolerance, $"{what}: {name} of scale {scale:E2} differs by {diff:E2} (relative {rel:E2})");
            weightDiff = Math.Max(weightDiff, rel);
        }
        return (lossDiff, weightDiff);
    }

    private const double Floor = 1e-2;

    private void Check(MixMode mode, LossKind lossKind, bool bnFreeze) =>
        Check(Options(mode, lossKind, bnFreeze), $"{mode}/{lossKind}");

    private void Check(TrainOptions options, string what)
    {
        bool bnFreeze = options.BnFreeze;
        Outcome single;
        using (Workers.Use(1)) single = Train(options, null);
        // The weights moved: the comparison is of training, not of the initialisation.
        var initial = Train(options, null, steps: 0).Weights;
        Assert.Contains(initial, p => !p.Value.SequenceEqual(single.Weights[p.Key]));
        foreach (int n in new[] { 2, 3 })
        {
            var group = new ThreadGroup(n);
            var ranks = group.Run(comm => Train(options, comm));
            Assert.True(group.Collectives > 0);
            double loss = 0, weight = 0;
            for (int r = 0; r < n; r++)
            {
                var (l, w) = Compare(single, ranks[r], bnFreeze ? FrozenTolerance : SyncTolerance, $"{what}/{(bnFreeze ? "frozen" : "sync")} BN, rank {r} of {n}");
                loss = Math.Max(loss, l);
                weight = Math.Max(weight, w);
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what} {(bnFreeze ? "frozen BN" : "sync BN")} N={n}: largest relative difference, loss {loss:E2}, weights {weight:E2}"));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ranks_with_frozen_batch_norm_train_as_one_process(MixMode mode, LossKind loss) => Check(mode, loss, bnFreeze: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ranks_with_synchronised_batch_norm_train_as_one_process(MixMode mode, LossKind loss) => Check(mode, loss, bnFreeze: false);

    /// <summary>The methods of Table 3 and multi-similarity mining, each with frozen and with synchronised BatchNorm.</summary>
    public static TheoryData<string, bool> MethodCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in MethodOptions.Keys)
            foreach (bool frozen in new[] { true, false })
                data.Add(name, frozen);
        return data;
    }

    private static readonly Dictionary<string, Func<bool, TrainOptions>> MethodOptions = new()
    {
        ["imix/contrastive"] = frozen => Options(MixMode.IMix, LossKind.Contrastive, frozen),
        ["mochi/contrastive/ancneg,negneg"] = frozen => Options(MixMode.MoChi, LossKind.Contrastive, frozen, pairs: "ancneg,negneg"),
        ["ps/proxyanchor"] = frozen => Options(MixMode.ProxySynthesis, LossKind.ProxyAnchor, frozen),
        ["feature/multisimilarity/mined"] = frozen => Options(MixMode.Feature, LossKind.MultiSimilarity, frozen, minerEpsilon: 0.39),
        ["input/multisimilarity/mined"] = frozen => Options(MixMode.Input, LossKind.MultiSimilarity, frozen, minerEpsilon: 0.39),
    };

    [Theory]
    [MemberData(nameof(MethodCases))]
    public void Table_3_methods_and_mining_train_on_ranks_as_one_process(string name, bool bnFreeze) =>
        Check(MethodOptions[name](bnFreeze), name);

    [Fact]
    public void Trained_batch_norm_without_sync_normalises_each_rank_by_its_own_rows()
    {
        var options = Options(MixMode.Baseline, LossKind.Contrastive, bnFreeze: false) with { SyncBn = false };
        Outcome single;
        using (Workers.Use(1)) single = Train(options, null, steps: 1);
        var ranks = new ThreadGroup(2).Run(comm => Train(options, comm, steps: 1));
        // Per-rank statistics (PyTorch DDP's default) give another objective; --sync_bn is what makes it the same.
        Assert.Equal(ranks[0].Losses[0], ranks[1].Losses[0]);
        Assert.True(Math.Abs(ranks[0].Losses[0] - single.Losses[0]) > 1e-3 * Math.Abs(single.Losses[0]),
            $"{ranks[0].Losses[0]:R} vs {single.Losses[0]:R}");
        // The ranks' running statistics, computed from different rows, are rank 0's on every rank after the step
        // (as DDP broadcasts buffers), so the ranks hold one model.
        foreach (var (name, values) in ranks[0].Weights) Assert.Equal(values, ranks[1].Weights[name]);
        Assert.NotEqual(single.Weights["bn1.running_mean"], ranks[0].Weights["bn1.running_mean"]);
    }

    /// <summary>Feature mixup with a gather in the backward pass, input mixup with two passes through the body, both with synchronised BatchNorm.</summary>
    public static TheoryData<MixMode, LossKind, int> OverlapCases() => new()
    {
        { MixMode.Feature, LossKind.Contrastive, 2 },
        { MixMode.Input, LossKind.MultiSimilarity, 3 },
        { MixMode.Baseline, LossKind.ProxyAnchor, 2 },
    };

    [Theory]
    [MemberData(nameof(OverlapCases))]
    public void Sums_overlapped_with_the_backward_pass_start_during_it_and_train_alike(MixMode mode, LossKind lossKind, int n)
    {
        var options = Options(mode, lossKind, bnFreeze: false);
        var after = new ThreadGroup(n).Run(comm => Train(options with { OverlapComm = false }, comm));
        var records = new SumRecord[n];
        var during = new ThreadGroup(n).Run(comm =>
        {
            var record = records[comm.Rank] = new SumRecord(comm);
            return Train(options with { OverlapComm = true }, record, exchange: loss =>
                new Watched(new GradientSum(record, loss.Parameters.Select(p => p.Tensor), overlap: true), record));
        });
        for (int r = 0; r < n; r++)
        {
            // The same sums of the same numbers: bit for bit the same training.
            Assert.Equal(after[r].Losses, during[r].Losses);
            foreach (var (name, values) in after[r].Weights) Assert.Equal(values, during[r].Weights[name]);
            // Every summed gradient (the body's and the embedding layer's) started before the pass ended, none after it.
            Assert.Equal(Steps, records[r].BeforeEnd.Count);
            Assert.All(records[r].BeforeEnd, started => Assert.Equal(records[r].PerStep, started));
            Assert.True(records[r].PerStep > 10, $"{records[r].PerStep} sums a step");
        }
    }

    [Fact]
    public void Without_overlap_no_sum_starts_during_the_backward_pass()
    {
        var options = Options(MixMode.Baseline, LossKind.Contrastive, bnFreeze: true) with { OverlapComm = false };
        var records = new SumRecord[2];
        new ThreadGroup(2).Run(comm =>
        {
            var record = records[comm.Rank] = new SumRecord(comm);
            return Train(options, record, steps: 1, exchange: loss =>
                new Watched(new GradientSum(record, loss.Parameters.Select(p => p.Tensor), overlap: false), record));
        });
        Assert.All(records, r => Assert.Equal([0], r.BeforeEnd));
    }

    /// <summary>Counts the sums started (<see cref="ICommunicator.BeginAllReduceSum"/>) on a rank.</summary>
    private sealed class SumRecord(ICommunicator inner) : ICommunicator
    {
        public int Started;
        public readonly List<int> BeforeEnd = [];
        public int PerStep;

        public int Rank => inner.Rank;

        public int Size => inner.Size;

        public IPendingCollective BeginAllReduceSum(Memory<float> data)
        {
            Started++;
            return inner.BeginAllReduceSum(data);
        }

        public void AllReduceSum(Span<float> data) => inner.AllReduceSum(data);

        public void AllReduceSum(Span<double> data) => inner.AllReduceSum(data);

        public void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts) => inner.AllGather(send, receive, counts);

        public void Broadcast(Span<byte> data, int root) => inner.Broadcast(data, root);

        public void Barrier() => inner.Barrier();

        public void Abort(int exitCode) => inner.Abort(exitCode);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Notes how many sums had started when the backward pass ended, and how many the step started in all.</summary>
    private sealed class Watched(GradientSum inner, SumRecord record) : IGradientExchange
    {
        public IBackwardObserver? BeginBackward(IReadOnlyList<Tensor> parameters)
        {
            record.Started = 0;
            return inner.BeginBackward(parameters);
        }

        public void AfterBackward(IReadOnlyList<Tensor> parameters)
        {
            record.BeforeEnd.Add(record.Started);
            inner.AfterBackward(parameters);
            record.PerStep = Math.Max(record.PerStep, record.Started);
        }
    }
}
