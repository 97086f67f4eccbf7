namespace Metrix.Onnx;

/// <summary>How <see cref="OnnxExporter"/> writes a network: input size, operator set, preprocessing and metadata.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Side of the square input the graph declares (the checkpoint's training image size, e.g. 224).</summary>
    public required int ImageSize { get; init; }

    /// <summary>The default ONNX operator set (17: ONNX 1.12 and every current runtime read it).</summary>
    public const int DefaultOpset = 17;

    /// <summary>The operator set version of the default domain the graph imports (<see cref="OnnxExporter.MinOpset"/> to <see cref="OnnxExporter.MaxOpset"/>).</summary>
    public int Opset { get; init; } = DefaultOpset;

    /// <summary>
    /// When set, the graph takes the centre-cropped RGB bytes (uint8, NHWC) and applies ToTensor and the
    /// ImageNet normalisation itself; otherwise it takes normalised floats (NCHW).
    /// </summary>
    public bool IncludePreprocessing { get; init; }

    /// <summary>Entries copied into the model's <c>metadata_props</c> (the checkpoint's metadata: model, image size, training flags).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The model's <c>producer_version</c>.</summary>
    public string ProducerVersion { get; init; } = "0.1.0";
}
