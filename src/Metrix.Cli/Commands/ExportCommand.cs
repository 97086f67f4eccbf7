using System.CommandLine;
using System.Globalization;
using Metrix.Nn;
using Metrix.Onnx;

namespace Metrix.Cli;

/// <summary>
/// <c>metrix export</c>: the checkpoint's whole embedding network as a standard ONNX model (dynamic batch,
/// IR version 8, opset 17 by default) with the checkpoint's metadata in <c>metadata_props</c>; with
/// <c>--include_preprocessing</c> the graph takes the centre-cropped RGB bytes and normalises them itself.
/// </summary>
public sealed class ExportCommand : Command
{
    private readonly Option<string> _checkpoint = Flags.RequiredText("checkpoint", "Checkpoint (.safetensors) written by metrix train");
    private readonly Option<string> _out = Flags.RequiredText("out", "Output file (.onnx)");
    private readonly Option<int?> _imageSize = Flags.OptionalInt("image_size", "Side of the square input (default: the checkpoint's image size)");
    private readonly Option<int> _opset = Flags.Int("opset", $"ONNX operator set ({OnnxExporter.MinOpset}-{OnnxExporter.MaxOpset})", OnnxExportOptions.DefaultOpset);
    private readonly Option<bool> _preprocessing = Flags.Switch("include_preprocessing",
        "Graph input is uint8 RGB NHWC bytes after resize and centre crop; ToTensor and the ImageNet normalisation run in the graph");

    /// <summary>The command.</summary>
    public ExportCommand()
        : base("export", "Write a checkpoint's embedding network as an ONNX model (for ONNX Runtime, TensorRT, OpenVINO).")
    {
        foreach (var option in new Option[] { _checkpoint, _out, _imageSize, _opset, _preprocessing }) Options.Add(option);
        CommandRunner.SetAction(this, Execute);
    }

    private int Execute(ParseResult parse, CommandContext context)
    {
        string output = parse.GetValue(_out)!, path = parse.GetValue(_checkpoint)!;
        if (!output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--out: '{output}' must end in .onnx");
        int opset = parse.GetValue(_opset);
        if (opset is < OnnxExporter.MinOpset or > OnnxExporter.MaxOpset)
            throw new UsageException($"--opset: invalid value {opset}; expected {OnnxExporter.MinOpset} to {OnnxExporter.MaxOpset}");
        int? size = parse.GetValue(_imageSize);
        if (size is < 32 or > 4096) throw new UsageException($"--image_size: invalid value {size}; expected 32 to 4096 pixels");
        var (model, metadata) = Load(path);
        var options = new OnnxExportOptions
        {
            ImageSize = size ?? model.Info.ImageSize,
            Opset = opset,
            IncludePreprocessing = parse.GetValue(_preprocessing),
            Metadata = metadata,
            ProducerVersion = typeof(ExportCommand).Assembly.GetName().Version?.ToString(3) ?? "0.1.0",
        };
        try
        {
            OnnxExporter.Export(model.Network, options, output);
        }
        catch (OnnxExportException e)
        {
            throw new InvalidDataException($"{path}: cannot export: {e.Message}", e);
        }
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output}: {model.Info.Model}, embedding size {model.Info.EmbeddingSize}, input {(options.IncludePreprocessing ? OnnxExporter.PixelsInput + " uint8 [batch, " + options.ImageSize + ", " + options.ImageSize + ", 3]" : OnnxExporter.ImagesInput + " float32 [batch, 3, " + options.ImageSize + ", " + options.ImageSize + "]")}, opset {opset}"));
        return ExitCodes.Success;
    }

    /// <summary>The checkpoint's network and its metadata; any failure to read it is one line naming the file.</summary>
    private static (EmbeddingModel Model, IReadOnlyDictionary<string, string> Metadata) Load(string path)
    {
        try
        {
            var model = CheckpointFlag.Load(path);
            return (model, Checkpoint.Load(path).Metadata);
        }
        catch (Exception e) when (e is not UsageException && !e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: cannot load the checkpoint: {e.Message}", e);
        }
    }
}
