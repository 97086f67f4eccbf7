using Metrix.Evaluation;
using Metrix.Nn;
using Metrix.Tensors;
using Metrix.Training;
using Metrix.Vision.Codecs;
using Metrix.Vision.Datasets;
using Metrix.Vision.Loading;
using Metrix.Vision.Transforms;

namespace Metrix;

/// <summary>
/// A trained embedding network ready for inference: load a checkpoint written by <c>metrix train</c> (or a
/// weights file), then embed images given as paths, streams or decoded pixels, in batches, with the eval
/// pipeline the network was evaluated with (resize the shorter side to S·256/224, centre crop S, ImageNet
/// mean and std). Also the entry point for training from code (<see cref="Train"/>).
/// </summary>
/// <remarks>
/// Embedding runs on all cores (limit it with <see cref="Workers.Use"/>). An instance may be used
/// from one thread at a time.
/// </remarks>
public sealed class EmbeddingModel
{
    private EmbeddingModel(string path, EmbeddingNet network, CheckpointInfo info)
    {
        Path = path;
        Network = network;
        Info = info;
    }

    /// <summary>The file the model was loaded from.</summary>
    public string Path { get; }

    /// <summary>The network, in eval mode.</summary>
    public EmbeddingNet Network { get; }

    /// <summary>What the checkpoint records: architecture, embedding size, image size, dataset, epoch.</summary>
    public CheckpointInfo Info { get; }

    /// <summary>The side S of the square crop the network sees.</summary>
    public int ImageSize => Info.ImageSize;

    /// <summary>The length of an embedding.</summary>
    public int Dimension => Info.EmbeddingSize;

    /// <summary>Images embedded per forward pass (default 64); larger batches are faster and use more memory.</summary>
    public int BatchSize
    {
        get => _batchSize;
        set => _batchSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the batch size must be positive");
    }

    private int _batchSize = 64;

    /// <summary>Loads a checkpoint (<c>.safetensors</c> with Metrix metadata, as <c>metrix train</c> writes).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a Metrix checkpoint, or weights are missing or of the wrong shape.</exception>
    public static EmbeddingModel Load(string checkpointPath)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        if (!File.Exists(checkpointPath)) throw new FileNotFoundException($"checkpoint not found: {checkpointPath}", checkpointPath);
        var (network, info) = CheckpointInfo.LoadModel(checkpointPath);
        return new EmbeddingModel(checkpointPath, network, info);
    }

    /// <summary>
    /// Loads a plain weights file (a safetensors state dict under torchvision names, without our metadata) into
    /// a new <paramref name="architecture"/> network (<c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c>)
    /// with an embedding of <paramref name="embeddingSize"/>, seen at <paramref name="imageSize"/> pixels.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not safetensors, or weights are missing or of the wrong shape.</exception>
    public static EmbeddingModel FromWeights(string weightsPath, string architecture, int embeddingSize, int imageSize, bool l2Normalize = true)
    {
        ArgumentNullException.ThrowIfNull(weightsPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"weights file not found: {weightsPath}", weightsPath);
        var network = new EmbeddingNet(architecture, embeddingSize, l2Normalize, new Rng(0));
        var loaded = network.LoadStateDict(SafeTensors.Read(weightsPath).Tensors, strict: true);
        if (loaded.Missing.Count > 0)
            throw new InvalidDataException($"{weightsPath}: missing weights {string.Join(", ", loaded.Missing.Take(5))}{(loaded.Missing.Count > 5 ? ", …" : "")}");
        network.Eval();
        return new EmbeddingModel(weightsPath, network, new CheckpointInfo(architecture, embeddingSize, l2Normalize, imageSize, "", 0));
    }

    /// <summary>Trains with <paramref name="options"/> as <c>metrix train</c> does (a new run directory under <see cref="TrainOptions.SaveRoot"/>, or the one to resume), reporting to <paramref name="observer"/>.</summary>
    /// <returns>The run; <c>EmbeddingModel.Load(Path.Combine(result.Run.Path, RunDirectory.BestFile))</c> loads the best model.</returns>
    /// <exception cref="OptionException">An option is invalid.</exception>
    /// <exception cref="DivergedException">The loss or a weight became NaN or infinite; the last good checkpoint is kept.</exception>
    public static TrainResult Train(GivenTrainOptions options, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (run, resolved) = RunDirectory.Start(options, DateTime.Now);
        return Trainer.Run(resolved, run, observer ?? SilentObserver.Instance, cancel);
    }

    /// <summary>The embedding of the image file at <paramref name="path"/>.</summary>
    /// <exception cref="ImageDecodeException">The file cannot be read or decoded; it is named.</exception>
    public float[] EmbedFile(string path) => EmbedFiles([path])[0];

    /// <summary>The embeddings of the image files at <paramref name="paths"/>, in order (PNG, JPEG, WebP, BMP, GIF, TIFF).</summary>
    /// <exception cref="ImageDecodeException">A file cannot be read or decoded; it is named.</exception>
    public float[][] EmbedFiles(IReadOnlyList<string> paths, CancellationToken cancel = default, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return EmbedBatches(paths.Count, i => ImageDecoder.DecodeFile(paths[i]), cancel, progress);
    }

    /// <summary>The embeddings of the encoded images in <paramref name="streams"/>, in order; each stream is read to its end.</summary>
    /// <exception cref="ImageDecodeException">A stream cannot be decoded; it is named "stream i".</exception>
    public float[][] EmbedStreams(IReadOnlyList<Stream> streams, CancellationToken cancel = default, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(streams);
        return EmbedBatches(streams.Count, i =>
        {
            using var copy = new MemoryStream();
            streams[i].CopyTo(copy);
            return ImageDecoder.Decode(copy.GetBuffer().AsSpan(0, (int)copy.Length), $"stream {i}");
        }, cancel, progress);
    }

    /// <summary>The embeddings of decoded RGB <paramref name="images"/>, in order.</summary>
    public float[][] EmbedImages(IReadOnlyList<DecodedImage> images, CancellationToken cancel = default, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        return EmbedBatches(images.Count, i => images[i], cancel, progress);
    }

    /// <summary>
    /// The embeddings [N, D] of every image of <paramref name="set"/>, in order, decoded once through an
    /// <see cref="ImageCache"/> by <paramref name="workers"/> threads; <paramref name="progress"/> receives
    /// the count of each finished batch. The caller disposes the tensor. With a <paramref name="communicator"/> of
    /// several ranks each rank embeds its share and every rank gets all rows, equal to one process's
    /// (<see cref="Evaluator.Embed"/>).
    /// </summary>
    public Tensor Embed(ImageSet set, int workers, int batchSize, CancellationToken cancel = default, Action<int>? progress = null,
        Distributed.ICommunicator? communicator = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        var cache = new ImageCache(set, ImageTransforms.EvalResize(ImageSize));
        return Evaluator.Embed(Network, cache, ImageSize, workers, batchSize, cancel, progress, communicator);
    }

    // Decodes one batch at a time, so memory holds a batch of images, not the whole list.
    private float[][] EmbedBatches(int count, Func<int, DecodedImage> image, CancellationToken cancel, Action<int, int>? progress)
    {
        int size = ImageSize, plane = 3 * size * size, batch = BatchSize, d = Dimension;
        var result = new float[count][];
        for (int first = 0; first < count; first += batch)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(batch, count - first);
            using var scope = new TensorScope();
            using var noGrad = Autograd.NoGrad();
            var input = Tensor.Empty(n, 3, size, size);
            try
            {
                Parallel.For(0, n, new ParallelOptions { CancellationToken = cancel }, i =>
                    ImageTransforms.Eval(image(first + i), size, input.Span.Slice(i * plane, plane)));
            }
            catch (AggregateException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                throw;
            }
            var output = Network.Forward(input).Span;
            for (int i = 0; i < n; i++) result[first + i] = output.Slice(i * d, d).ToArray();
            progress?.Invoke(first + n, count);
        }
        return result;
    }
}
