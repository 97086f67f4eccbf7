using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Metrix.Distributed;
using Metrix.Evaluation;
using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Vision.Datasets;
using Metrix.Vision.Loading;
using Metrix.Vision.Transforms;

namespace Metrix.Training;

/// <summary>
/// The training loop of docs/method.md#training-recipe: the <see cref="TrainStep"/> (parameter groups, <c>--warm</c>, clipping by value
/// at 10, the optimiser) over the epochs' batches, <c>--bn_freeze</c>, StepLR (or cosine annealing) per epoch, evaluation every <c>--eval_every</c> epochs and after the last, the best
/// checkpoint by Recall@1 and the last one every epoch. Every random draw derives from the seed and the
/// (epoch, step) coordinates, so a resumed run continues exactly where the interrupted one was.
/// On several ranks (<see cref="ICommunicator"/>) every rank trains the same model on its share of each global
/// batch; rank 0 alone loads pretrained weights and checkpoints and writes the run directory, and sends the
/// weights, the optimiser state and the log to the others at the start; evaluation is shared among the ranks.
/// </summary>
public sealed class Trainer
{
    private readonly TrainOptions _o;
    private readonly RunDirectory _run;
    private readonly ITrainingObserver _observer;
    private readonly ICommunicator _comm;
    private int _trainClasses;

    private Trainer(TrainOptions options, RunDirectory run, ITrainingObserver observer, ICommunicator communicator)
    {
        _o = options;
        _run = run;
        _observer = observer;
        _comm = communicator;
    }

    /// <summary>Trains with resolved <paramref name="options"/> in <paramref name="run"/>, resuming when the options say so.</summary>
    /// <exception cref="DivergedException">The loss or a weight became NaN or infinite; the last good checkpoint is kept.</exception>
    public static TrainResult Run(TrainOptions options, RunDirectory run, ITrainingObserver observer, CancellationToken cancel = default) =>
        new Trainer(options, run, observer, SingleProcess.Instance).Run(cancel);

    /// <summary>
    /// Trains as one rank of <paramref name="communicator"/>: every rank calls this with the same options and run
    /// directory (see <see cref="DistributedStart"/>); only rank 0 writes to <paramref name="run"/>.
    /// </summary>
    /// <exception cref="DivergedException">The loss became NaN or infinite; the last good checkpoint is kept.</exception>
    public static TrainResult Run(TrainOptions options, RunDirectory run, ITrainingObserver observer, ICommunicator communicator,
        CancellationToken cancel = default) =>
        new Trainer(options, run, observer, communicator).Run(cancel);

    /// <summary>Rank 0 writes the run directory; the other ranks only compute.</summary>
    private bool Writer => _comm.Rank == 0;

    private TrainResult Run(CancellationToken cancel)
    {
        var o = _o;
        int threads = o.Threads > 0 ? o.Threads : _comm.Size > 1 ? Communicator.DefaultThreads(_comm) : 0;
        using var threadScope = threads > 0 ? Workers.Use(threads) : null;
        using var runLock = Writer ? _run.Lock() : null;
        _observer.RunStart(o, _run);
        if (_comm.Size > 1) _observer.Message(Ranks(threads));

        var data = o.Data.Load(o.DataRoot);
        var (train, evaluator) = Splits(data);
        _trainClasses = train.ClassCount;
        _observer.Message(string.Create(CultureInfo.InvariantCulture,
            $"{o.DatasetName}: {train.Count} training images of {train.ClassCount} classes; evaluating {evaluator.Images} images ({evaluator.Protocol.Name} protocol, Recall@{string.Join('/', evaluator.Protocol.Ks)})"));

        ulong seed = (ulong)o.Seed;
        var rng = new Rng(SeedMixer.Mix(seed, 0));
        int dim = o.EmbeddingSize;
        var model = new EmbeddingNet(o.ModelName, dim, o.L2Norm, rng);
        if (o.Pretrained != "none" && Writer) // the other ranks receive the weights below
            PretrainedLoader.Load(model, o.Pretrained, o.ModelName, _observer.Message, cancel);
        var loss = LossFactory.Create(o.LossName, train.ClassCount, dim, rng);
        model.FreezeBatchNorm(o.BnFreeze);
        var trainStep = new TrainStep(model, loss, o, group: _comm);
        var optimizer = trainStep.Optimizer;
        var scheduler = trainStep.Schedule(o);

        var log = new List<EpochRecord>();
        int start = 0;
        if (Writer && o.Resume is not null && File.Exists(_run.LastCheckpoint))
        {
            start = Restore(model, loss, optimizer) + 1;
            log = _run.ReadLog().Where(r => r.Epoch < start).ToList();
            _run.WriteLog(log);
            _observer.Message($"resuming {_run.Path} after epoch {start - 1}");
        }
        if (_comm.Size > 1)
        {
            // Rank 0's starting point everywhere: weights (pretrained or resumed), BatchNorm statistics, proxies,
            // optimiser state, the epoch and the log so far.
            start = _comm.Broadcast(start);
            _comm.BroadcastValues(model.StateDict());
            _comm.BroadcastValues(loss.Parameters.ToDictionary(p => p.Name, p => p.Tensor));
            var state = _comm.BroadcastTensors(optimizer.State());
            if (!Writer) optimizer.LoadState(state);
            string records = _comm.Broadcast(Writer ? JsonSerializer.Serialize(log, RunDirectory.Json) : "");
            if (!Writer) log = JsonSerializer.Deserialize<List<EpochRecord>>(records, RunDirectory.Json)!;
        }
        var best = log.Where(r => r.Recall is not null).MaxBy(r => R1(r));

        var sampler = Sampler(train, seed);
        var trainLabels = train.Labels();
        // Decoded once, the shorter side capped at the eval resize side (256 for 224-px crops): random crops
        // are then taken from that instead of the full-size photograph, which bounds memory; large splits go to disk.
        var cache = ImageCache.ForSplit(train, ImageTransforms.EvalResize(o.ImageSize), CacheRoot, o.DatasetName);
        var loader = new BatchLoader(cache, o.ImageSize, train: true, Math.Max(1, o.NumWorkers), seed, cropScale: o.CropScale);
        int epochs = o.NumEpochs;

        for (int epoch = start; epoch < epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            scheduler.SetEpoch(epoch);
            trainStep.BeginEpoch(epoch);

            var clock = Stopwatch.StartNew();
            var batches = sampler.Epoch(epoch);
            if (o.MaxSteps > 0 && batches.Length > o.MaxSteps) batches = batches[..o.MaxSteps];
            _observer.EpochStart(epoch, epochs, batches.Length);
            var analysis = epoch == epochs - 1 && o.Mode != MixMode.Baseline ? new AnalysisCollector(dim, seed) : null;
            double sumLoss = 0, sumClean = 0, sumMixed = 0;
            int mixedSteps = 0, step = 0, images = 0;
            model.Train();
            // Data-parallel: every rank draws the same global batches, loads the rows of its shard and passes them with
            // the whole batch's labels (TrainStep.Run); one process loads and passes whole batches.
            int[][]? globalLabels = null;
            int[]? firstRows = null;
            if (trainStep.Group.Size > 1)
            {
                globalLabels = batches.Select(b => b.Select(i => trainLabels[i]).ToArray()).ToArray();
                var shards = globalLabels.Select(trainStep.Shard).ToArray();
                batches = batches.Select((b, k) => b[shards[k].Start..shards[k].End]).ToArray();
                firstRows = shards.Select(s => s.Start).ToArray();
            }
            foreach (var batch in loader.Load(batches, epoch, firstRows, cancel))
            {
                using (batch)
                using (new TensorScope())
                {
                    var stepRng = new Rng(SeedMixer.Mix(seed, 4, epoch, step));
                    var stepResult = trainStep.Run(batch.Images, globalLabels?[step] ?? batch.Labels, stepRng, analysis: analysis is not null);
                    var output = stepResult.Output;
                    double value = stepResult.Loss;
                    if (!stepResult.Finite)
                        throw new DivergedException(epoch, step, value, File.Exists(_run.LastCheckpoint) ? _run.LastCheckpoint : null);
                    analysis?.Add(output);
                    sumLoss += value;
                    sumClean += output.CleanLoss;
                    if (output.MixedLoss is { } m)
                    {
                        sumMixed += m;
                        mixedSteps++;
                    }
                }
                images += globalLabels?[step].Length ?? batch.Labels.Length;
                step++;
                _observer.Step(epoch, step, batches.Length, sumLoss / step, images / clock.Elapsed.TotalSeconds);
            }
            double trainSeconds = clock.Elapsed.TotalSeconds;
            if (Writer) analysis?.Save(_run.AnalysisPairsPath);

            RetrievalResult? result = null;
            if ((epoch + 1) % o.EvalEvery == 0 || epoch == epochs - 1)
            {
                _observer.Message($"evaluating {evaluator.Images} images{(_comm.Size > 1 ? $" on {_comm.Size} ranks" : "")}…");
                result = evaluator.Evaluate(model, cancel, communicator: _comm);
            }
            var record = new EpochRecord(epoch, sumLoss / Math.Max(1, step), sumClean / Math.Max(1, step),
                mixedSteps > 0 ? sumMixed / mixedSteps : null, optimizer.Groups[0].Lr,
                result is null ? null : result.Ks.Select((k, i) => (k, i)).ToDictionary(p => p.k.ToString(CultureInfo.InvariantCulture), p => result.Recall[p.i] * 100),
                result?.MapAtR * 100, clock.Elapsed.TotalSeconds, images / Math.Max(1e-9, trainSeconds));
            log.Add(record);

            bool isBest = record.Recall is not null && (best is null || R1(record) > R1(best));
            if (isBest) best = record;
            if (Writer)
            {
                _run.CompleteEpoch(log, isBest && o.SaveModel ? path => Save(path, model, loss, optimizer, epoch, withOptimizer: false) : null,
                    path => Save(path, model, loss, optimizer, epoch, withOptimizer: true));
            }
            _observer.EpochEnd(record);
        }
        var outcome = new TrainResult(_run, log, best);
        _observer.RunEnd(outcome);
        return outcome;
    }

    /// <summary>One line naming every rank's process and machine: the processes that train, which a user (or the kernel's out-of-memory killer) would kill.</summary>
    private string Ranks(int threads)
    {
        string me = string.Create(CultureInfo.InvariantCulture,
            $"{_comm.Rank}: pid {Environment.ProcessId} on {(_comm is MpiCommunicator m ? m.Host : Environment.MachineName)}");
        var all = Enumerable.Range(0, _comm.Size).Select(r => "rank " + _comm.Broadcast(me, r));
        return string.Create(CultureInfo.InvariantCulture,
            $"{_comm.Size} ranks, {Workers.Threads} compute threads each, global batch {_o.BatchSize}: {string.Join(", ", all)}");
    }

    private static double R1(EpochRecord r) => r.Recall!.TryGetValue("1", out double v) ? v : double.NaN;

    /// <summary>The training split and the evaluator: the test protocol, or <c>--val_classes</c> training classes held out.</summary>
    private (ImageSet Train, Evaluator Evaluator) Splits(DatasetSplits data)
    {
        int size = _o.ImageSize, workers = Math.Max(1, _o.NumWorkers);
        if (_o.ValClasses <= 0) return (data.Train, Evaluator.ForDataset(data, size, workers, CacheRoot));
        var (train, validation) = ValidationSplit.Carve(data.Train, _o.ValClasses);
        int side = ImageTransforms.EvalResize(size);
        return (train, new Evaluator(RetrievalProtocol.Cub with { Name = "validation" }, validation, null, size, workers,
            cache: set => ImageCache.ForSplit(set, side, CacheRoot, _o.DatasetName)));
    }

    /// <summary>Disk caches of decoded images live under the save root, shared by the runs there.</summary>
    private string CacheRoot => Path.Combine(_o.SaveRoot, ".cache");

    private IBatchSampler Sampler(ImageSet train, ulong seed) => _o.Data.Balanced
        ? new BalancedSampler(train.Labels(), _o.BatchSize, _o.ImagesPerClass, seed)
        : new ShuffledSampler(train.Count, _o.BatchSize, seed);

    private void Save(string path, EmbeddingNet model, PairLoss loss, Optimizer optimizer, int epoch, bool withOptimizer)
    {
        var meta = CheckpointInfo.Metadata(_o, epoch, _trainClasses);
        var lossTensors = loss.Parameters.ToDictionary(p => p.Name, p => p.Tensor);
        if (withOptimizer)
            Checkpoint.Save(path, model, meta, ("loss.", lossTensors), ("optimizer.", optimizer.State()));
        else
            Checkpoint.Save(path, model, meta, ("loss.", lossTensors));
    }

    /// <summary>Loads last.safetensors into the model, loss and optimiser; returns its epoch.</summary>
    private int Restore(EmbeddingNet model, PairLoss loss, Optimizer optimizer)
    {
        var file = Checkpoint.Load(_run.LastCheckpoint);
        var state = Checkpoint.ModelSection(file, "loss.", "optimizer.");
        var loaded = model.LoadStateDict(state, strict: true);
        if (loaded.Missing.Count > 0 || loaded.Unexpected.Count > 0)
            throw new InvalidDataException($"{_run.LastCheckpoint}: does not match the model (missing: {string.Join(", ", loaded.Missing)}; unexpected: {string.Join(", ", loaded.Unexpected)})");
        var lossState = Checkpoint.Section(file, "loss.");
        foreach (var (name, tensor) in loss.Parameters)
            if (lossState.TryGetValue(name, out var saved)) tensor.CopyFrom(saved);
        optimizer.LoadState(Checkpoint.Section(file, "optimizer."));
        return int.Parse(file.Metadata["epoch"], CultureInfo.InvariantCulture);
    }
}
