using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// Checkpoints as safetensors: the model's state dict under its own (torchvision) names, optional extra
/// tensors under prefixed names (<c>optimizer.</c>, <c>loss.</c>), and a string metadata block (model,
/// embedding size, image size, normalisation, training classes, epoch, RNG state). Written atomically.
/// </summary>
public static class Checkpoint
{
    /// <summary>Writes <paramref name="path"/> atomically.</summary>
    public static void Save(string path, Module model, IReadOnlyDictionary<string, string> metadata,
        params (string Prefix, IReadOnlyDictionary<string, Tensor> Tensors)[] extra)
    {
        var all = new List<KeyValuePair<string, Tensor>>(model.StateDict());
        foreach (var (prefix, tensors) in extra)
            foreach (var (name, t) in tensors) all.Add(new(prefix + name, t));
        SafeTensors.Write(path, all, metadata);
    }

    /// <summary>Reads a checkpoint; <see cref="Section"/> and <see cref="ModelSection"/> separate prefixed and model tensors.</summary>
    public static TensorFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        return SafeTensors.Read(path);
    }

    /// <summary>The tensors whose names start with <paramref name="prefix"/>, with the prefix removed.</summary>
    public static IReadOnlyDictionary<string, Tensor> Section(TensorFile file, string prefix) =>
        file.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    /// <summary>The model's tensors: every name without one of the <paramref name="prefixes"/>.</summary>
    public static IReadOnlyDictionary<string, Tensor> ModelSection(TensorFile file, params string[] prefixes) =>
        file.Tensors.Where(kv => !prefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
}
