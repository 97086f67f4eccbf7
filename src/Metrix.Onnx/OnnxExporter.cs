using System.Globalization;
using Google.Protobuf;
using Metrix.Nn;
using Metrix.Onnx.Proto;
using Metrix.Tensors;
using DataType = Metrix.Onnx.Proto.TensorProto.Types.DataType;

namespace Metrix.Onnx;

/// <summary>
/// Writes an <see cref="EmbeddingNet"/> as a standard ONNX model: the ResNet body (Conv, BatchNormalization
/// with the running statistics, Relu, MaxPool, residual Add), global average + global max pooling, the
/// embedding Gemm and the L2 normalisation y = x / √(Σx² + 1e-12), exactly what the network computes in
/// evaluation mode. The batch dimension is symbolic (<c>batch</c>); the spatial size is fixed to
/// <see cref="OnnxExportOptions.ImageSize"/>. IR version 8; operator sets <see cref="MinOpset"/> to
/// <see cref="MaxOpset"/> of the default domain.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The IR version written (8: ONNX 1.12's checker reads it; it carries operator sets up to 18).</summary>
    public const long IrVersion = 8;

    /// <summary>The lowest operator set the exporter writes (Flatten, Gemm and the reductions in their opset-13 form).</summary>
    public const int MinOpset = 13;

    /// <summary>The highest operator set the exporter writes.</summary>
    public const int MaxOpset = 18;

    /// <summary>Name of the graph's input without preprocessing: normalised floats [batch, 3, S, S].</summary>
    public const string ImagesInput = "images";

    /// <summary>Name of the graph's input with preprocessing: RGB bytes [batch, S, S, 3].</summary>
    public const string PixelsInput = "pixels";

    /// <summary>Name of the graph's output: embeddings [batch, D].</summary>
    public const string EmbeddingsOutput = "embeddings";

    /// <summary>The symbolic batch dimension of the input and output.</summary>
    public const string BatchDimension = "batch";

    /// <summary>BatchNorm2d's ε (the engine's and PyTorch's default).</summary>
    private const float BatchNormEps = 1e-5f;

    /// <summary>The ε inside the root of the engine's L2 normalisation.</summary>
    private const float L2Eps = 1e-12f;

    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>The eval resize side for a crop of <paramref name="size"/>: size × 256 / 224, as the evaluation pipeline.</summary>
    public static int ResizeSide(int size) => size * 256 / 224;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Export(Module model, OnnxExportOptions options, string path)
    {
        var bytes = ToBytes(model, options);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>The serialised ONNX model of <paramref name="model"/>.</summary>
    public static byte[] ToBytes(Module model, OnnxExportOptions options) => Build(model, options).ToByteArray();

    /// <summary>The ONNX model of <paramref name="model"/>; throws <see cref="OnnxExportException"/> for what ONNX cannot express as the engine computes it.</summary>
    internal static ModelProto Build(Module model, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (model is not EmbeddingNet net)
            throw new OnnxExportException($"unsupported layer: the exporter writes EmbeddingNet (ResNet body + pooling + embedding), not {model.GetType().Name}");
        if (options.Opset is < MinOpset or > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(options), options.Opset, $"opset {options.Opset} is not supported; accepted: {MinOpset} to {MaxOpset}");
        if (options.ImageSize is < 1 or > 8192)
            throw new ArgumentOutOfRangeException(nameof(options), options.ImageSize, $"image size {options.ImageSize} is out of range (1 to 8192)");
        var walker = new NetworkWalker(net, options);
        var graph = walker.Build();
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "metrix",
            ProducerVersion = options.ProducerVersion,
            Domain = "io.github.metrix",
            ModelVersion = 1,
            DocString = DocString(net, options),
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        foreach (var (key, value) in MetadataProps(net, options))
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>
    /// The metadata written: the given entries (the checkpoint's), then the export's own under <c>export.</c>:
    /// architecture, embedding size, input name, layout and size, and the preprocessing the caller must do.
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, string>> MetadataProps(EmbeddingNet net, OnnxExportOptions o)
    {
        string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);
        var props = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o.Metadata) props[k] = v;
        props["export.architecture"] = net.Body.Name;
        // layer4 has 8 × width channels, times 4 in bottleneck blocks.
        props["export.body_width"] = Inv(net.Body.OutChannels / (ResNet.Layout(net.Body.Name).Bottleneck ? 32 : 8));
        props["export.embedding_size"] = Inv(net.EmbeddingSize);
        props["export.l2_normalize"] = net.L2Normalize ? "1" : "0";
        props["export.image_size"] = Inv(o.ImageSize);
        props["export.resize_shorter_side"] = Inv(ResizeSide(o.ImageSize));
        props["export.input"] = o.IncludePreprocessing ? PixelsInput : ImagesInput;
        props["export.input_format"] = o.IncludePreprocessing
            ? "uint8 RGB, NHWC [batch, S, S, 3], values 0-255, after resize and centre crop"
            : "float32 NCHW [batch, 3, S, S], ImageNet-normalised";
        props["export.preprocessing_in_graph"] = o.IncludePreprocessing ? "1" : "0";
        props["export.normalize_mean"] = "0.485,0.456,0.406";
        props["export.normalize_std"] = "0.229,0.224,0.225";
        props["export.output"] = EmbeddingsOutput;
        return props;
    }

    private static string DocString(EmbeddingNet net, OnnxExportOptions o)
    {
        int s = o.ImageSize, r = ResizeSide(s);
        string normalise = o.IncludePreprocessing
            ? $"Input '{PixelsInput}': uint8 RGB bytes, NHWC [batch, {s}, {s}, 3]; the graph converts them to floats in [0, 1] and subtracts the ImageNet mean (0.485, 0.456, 0.406) and divides by the std (0.229, 0.224, 0.225) itself."
            : $"Input '{ImagesInput}': float32 NCHW [batch, 3, {s}, {s}]: RGB values / 255, minus the ImageNet mean (0.485, 0.456, 0.406), divided by the std (0.229, 0.224, 0.225).";
        return $"Metrix embedding network ({net.Body.Name}, embedding size {net.EmbeddingSize}{(net.L2Normalize ? ", L2-normalised" : "")}). " +
            $"Preprocessing as Metrix evaluates: decode to RGB, resize the shorter side to {r} (= {s}·256/224, the longer side truncated) with an antialiased bilinear filter (PIL's Image.resize BILINEAR), " +
            $"centre-crop {s}×{s} (offsets rounded half to even); the resize and crop are not part of the graph. {normalise} " +
            $"Output '{EmbeddingsOutput}': float32 [batch, {net.EmbeddingSize}].";
    }

    /// <summary>Walks the network's layers in forward order and emits the matching ONNX nodes.</summary>
    private sealed class NetworkWalker
    {
        private readonly EmbeddingNet _net;
        private readonly OnnxExportOptions _options;
        private readonly GraphBuilder _g = new();
        private readonly Dictionary<string, Module> _layers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _exported = new(StringComparer.Ordinal);

        public NetworkWalker(EmbeddingNet net, OnnxExportOptions options)
        {
            _net = net;
            _options = options;
            foreach (var (name, module) in net.NamedModules())
            {
                if (module is Conv2d or BatchNorm2d or Linear) _layers[name] = module;
                else if (!IsContainer(module))
                    throw new OnnxExportException($"unsupported layer '{name}' ({module.GetType().Name}): the exporter knows Conv2d, BatchNorm2d and Linear in a ResNet body");
            }
        }

        public GraphProto Build()
        {
            var g = _g.Graph;
            g.Name = $"metrix_{_net.Body.Name}";
            int s = _options.ImageSize;
            string x;
            if (_options.IncludePreprocessing)
            {
                g.Input.Add(GraphBuilder.Value(PixelsInput, DataType.Uint8,
                    "RGB bytes, NHWC, after the resize of the shorter side and the centre crop", BatchDimension, s, s, 3));
                x = Preprocess(PixelsInput);
            }
            else
            {
                g.Input.Add(GraphBuilder.Value(ImagesInput, DataType.Float,
                    "RGB / 255, ImageNet mean subtracted and divided by the std, NCHW", BatchDimension, 3, s, s));
                x = ImagesInput;
            }
            var features = Body(x);
            Head(features);
            g.Output.Add(GraphBuilder.Value(EmbeddingsOutput, DataType.Float,
                _net.L2Normalize ? "L2-normalised embeddings" : "embeddings", BatchDimension, _net.EmbeddingSize));
            foreach (var name in _layers.Keys)
                if (!_exported.Contains(name))
                    throw new OnnxExportException($"unsupported layer '{name}': not part of the ResNet layout the exporter writes");
            return g;
        }

        /// <summary>uint8 NHWC → float NCHW, (x / 255 − mean) / std, in the engine's order of operations.</summary>
        private string Preprocess(string pixels)
        {
            var cast = _g.Node("Cast", "pixels_float", [pixels], GraphBuilder.Int("to", (long)DataType.Float));
            var nchw = _g.Node("Transpose", "pixels_nchw", [cast], GraphBuilder.Ints("perm", 0, 3, 1, 2));
            var scale = _g.Initializer("preprocess.255", [], [255f]);
            var mean = _g.Initializer("preprocess.mean", [1, 3, 1, 1], Mean);
            var std = _g.Initializer("preprocess.std", [1, 3, 1, 1], Std);
            var unit = _g.Node("Div", "pixels_unit", [nchw, scale]);
            var centred = _g.Node("Sub", "pixels_centred", [unit, mean]);
            return _g.Node("Div", "images_normalised", [centred, std]);
        }

        private string Body(string x)
        {
            var h = Relu(Bn("bn1", Conv("conv1", x)));
            h = _g.Node("MaxPool", "maxpool", [h],
                GraphBuilder.Ints("kernel_shape", 3, 3), GraphBuilder.Ints("strides", 2, 2), GraphBuilder.Ints("pads", 1, 1, 1, 1));
            var (blocks, bottleneck) = ResNet.Layout(_net.Body.Name);
            for (int stage = 0; stage < 4; stage++)
                for (int b = 0; b < blocks[stage]; b++)
                    h = Block($"layer{stage + 1}.{b}", h, bottleneck);
            return h;
        }

        private string Block(string prefix, string x, bool bottleneck)
        {
            int convs = bottleneck ? 3 : 2;
            var h = x;
            for (int i = 1; i < convs; i++) h = Relu(Bn($"{prefix}.bn{i}", Conv($"{prefix}.conv{i}", h)));
            h = Bn($"{prefix}.bn{convs}", Conv($"{prefix}.conv{convs}", h));
            var shortcut = _layers.ContainsKey($"{prefix}.downsample.0")
                ? Bn($"{prefix}.downsample.1", Conv($"{prefix}.downsample.0", x))
                : x;
            return Relu(_g.Node("Add", $"{prefix}.add", [h, shortcut]));
        }

        private string Head(string features)
        {
            var avg = _g.Node("GlobalAveragePool", "avgpool", [features]);
            var max = _g.Node("GlobalMaxPool", "maxpool_global", [features]);
            var pooled = _g.Node("Flatten", "pooled", [_g.Node("Add", "pool_sum", [avg, max])], GraphBuilder.Int("axis", 1));
            var linear = Layer<Linear>("embedding");
            var inputs = new List<string> { pooled, _g.Initializer("embedding.weight", linear.Weight) };
            if (linear.Bias is not null) inputs.Add(_g.Initializer("embedding.bias", linear.Bias));
            var e = _g.Node("Gemm", "embedding", [.. inputs], GraphBuilder.Int("transB", 1));
            if (!_net.L2Normalize) return _g.RenameLastOutput(EmbeddingsOutput);
            // y = x / √(Σx² + ε): the engine's L2 normalisation, ε inside the root.
            string sumSquares = _options.Opset >= 18
                ? _g.Node("ReduceSumSquare", "l2_sum_squares", [e, _g.Int64Initializer("l2.axes", [1], [1L])], GraphBuilder.Int("keepdims", 1))
                : _g.Node("ReduceSumSquare", "l2_sum_squares", [e], GraphBuilder.Ints("axes", 1), GraphBuilder.Int("keepdims", 1));
            var eps = _g.Initializer("l2.eps", [], [L2Eps]);
            var norm = _g.Node("Sqrt", "l2_norm", [_g.Node("Add", "l2_sum_squares_eps", [sumSquares, eps])]);
            _g.Node("Div", "l2_normalize", [e, norm]);
            return _g.RenameLastOutput(EmbeddingsOutput);
        }

        private string Conv(string name, string x)
        {
            var conv = Layer<Conv2d>(name);
            int k = conv.Weight.Dim(2);
            if (conv.Weight.Dim(3) != k)
                throw new OnnxExportException($"unsupported layer '{name}': a {conv.Weight.Dim(2)}×{conv.Weight.Dim(3)} kernel (square kernels only)");
            var inputs = new List<string> { x, _g.Initializer(name + ".weight", conv.Weight) };
            if (conv.Bias is not null) inputs.Add(_g.Initializer(name + ".bias", conv.Bias));
            return _g.Node("Conv", name, [.. inputs],
                GraphBuilder.Ints("kernel_shape", k, k),
                GraphBuilder.Ints("strides", conv.Stride, conv.Stride),
                GraphBuilder.Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding),
                GraphBuilder.Ints("dilations", 1, 1),
                GraphBuilder.Int("group", 1));
        }

        private string Bn(string name, string x)
        {
            var bn = Layer<BatchNorm2d>(name);
            if (bn.IsTraining && !bn.Frozen)
                throw new OnnxExportException($"BatchNorm '{name}' is in training mode and would normalise with batch statistics, which a fixed graph cannot do; put the network in evaluation mode (Eval) or freeze its BatchNorm first");
            foreach (var (stat, tensor) in new[] { ("running_mean", bn.RunningMean), ("running_var", bn.RunningVar) })
                foreach (float v in tensor.Span)
                    if (!float.IsFinite(v) || (stat == "running_var" && v < 0))
                        throw new OnnxExportException($"BatchNorm '{name}': {stat} holds {v.ToString(CultureInfo.InvariantCulture)}; running statistics must be finite (and variances non-negative)");
            return _g.Node("BatchNormalization", name,
                [x, _g.Initializer(name + ".weight", bn.Weight), _g.Initializer(name + ".bias", bn.Bias),
                 _g.Initializer(name + ".running_mean", bn.RunningMean), _g.Initializer(name + ".running_var", bn.RunningVar)],
                GraphBuilder.Float("epsilon", BatchNormEps));
        }

        private string Relu(string x) => _g.Node("Relu", x + ".relu", [x]);

        private T Layer<T>(string name) where T : Module
        {
            if (!_layers.TryGetValue(name, out var m) || m is not T layer)
                throw new OnnxExportException($"unsupported layer layout: expected {typeof(T).Name} '{name}' in the {_net.Body.Name} body");
            if (!_exported.Add(name)) throw new InvalidOperationException($"layer '{name}' exported twice");
            return layer;
        }

        /// <summary>The structural modules of an EmbeddingNet: the network, the body, its stages, blocks and shortcuts.</summary>
        private static bool IsContainer(Module m)
        {
            var type = m.GetType();
            return m is EmbeddingNet or ResNet or BasicBlock or Bottleneck
                || (type.Assembly == typeof(ResNet).Assembly && (type.DeclaringType == typeof(ResNet) || type.DeclaringType == typeof(ResidualBlock)));
        }
    }
}
