using Metrix.Nn;

namespace Metrix.Training;

/// <summary><c>--pretrained</c>: loads backbone weights by torchvision name into the body of the model (<c>fc.*</c> skipped).</summary>
public static class PretrainedLoader
{
    /// <summary>Loads <paramref name="spec"/> (a .safetensors path) into <paramref name="model"/>; returns lines for the log.</summary>
    public static IReadOnlyList<string> Load(EmbeddingNet model, string spec, string modelName)
    {
        if (!spec.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new OptionException("pretrained", $"--pretrained {spec}: this build reads .safetensors weights only; accepted: none or a .safetensors path");
        if (!File.Exists(spec)) throw new OptionException("pretrained", $"--pretrained: file not found: {spec}");
        var file = Checkpoint.Load(spec);
        var body = file.Tensors.Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal) && !kv.Key.StartsWith("embedding.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        var result = model.Body.LoadStateDict(body, strict: false);
        var lines = new List<string> { $"loaded {body.Count} {modelName} tensors from {spec}" };
        if (result.Missing.Count > 0) lines.Add($"missing: {string.Join(", ", result.Missing)}");
        if (result.Unexpected.Count > 0) lines.Add($"unexpected: {string.Join(", ", result.Unexpected)}");
        return lines;
    }
}
