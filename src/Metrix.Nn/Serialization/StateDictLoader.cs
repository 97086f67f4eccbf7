using Metrix.Tensors;

namespace Metrix.Nn;

/// <summary>
/// Copies a weights file into a module by name (torchvision's names: <c>layer1.0.bn1.running_mean</c>).
/// Entries under a skipped prefix (<c>fc.</c> by default: torchvision's ImageNet classifier, which our
/// bodies do not have) are left out; missing and unexpected names are reported, not fatal; a shape mismatch
/// is an error naming the key and both shapes, raised before anything is copied.
/// </summary>
public static class StateDictLoader
{
    /// <summary>The prefixes skipped by default: torchvision's classifier.</summary>
    public static IReadOnlyList<string> DefaultSkipPrefixes { get; } = ["fc."];

    /// <summary>Reads <paramref name="path"/> (<c>.pth</c>/<c>.pt</c> in any <c>torch.save</c> format, or safetensors) and loads it into <paramref name="model"/>.</summary>
    public static WeightLoadReport Load(Module model, string path, IReadOnlyList<string>? skipPrefixes = null)
    {
        var file = WeightFile.Read(path);
        try { return Load(model, file, skipPrefixes); }
        finally
        {
            foreach (var t in file.Tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Loads <paramref name="file"/> into <paramref name="model"/>. When every name in the file starts with
    /// <c>module.</c> (a model saved from DataParallel), that prefix is removed first.
    /// </summary>
    /// <exception cref="InvalidDataException">A shape differs, or no name matches the model at all.</exception>
    public static WeightLoadReport Load(Module model, WeightFile file, IReadOnlyList<string>? skipPrefixes = null)
    {
        skipPrefixes ??= DefaultSkipPrefixes;
        const string parallel = "module.";
        string? stripped = file.Tensors.Count > 0 && file.Tensors.Keys.All(k => k.StartsWith(parallel, StringComparison.Ordinal)) ? parallel : null;
        var own = model.StateDict();
        var loaded = new List<(string Name, Tensor Source, Tensor Target)>();
        var skipped = new List<string>();
        var unexpected = new List<string>();
        var mismatches = new List<string>();
        var seen = new HashSet<string>();
        foreach (var (fileKey, tensor) in file.Tensors)
        {
            string key = stripped is null ? fileKey : fileKey[stripped.Length..];
            if (skipPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal))) { skipped.Add(key); continue; }
            if (!own.TryGetValue(key, out var target)) { unexpected.Add(key); continue; }
            seen.Add(key);
            if (!Shapes.Equal(tensor.Shape, target.Shape))
                mismatches.Add($"'{key}': the model has shape {Shapes.Format(target.Shape)}, the file {Shapes.Format(tensor.Shape)}");
            else loaded.Add((key, tensor, target));
        }
        if (mismatches.Count > 0)
            throw new InvalidDataException($"{file.Source}: {mismatches.Count} shape mismatch{(mismatches.Count > 1 ? "es" : "")}: "
                + string.Join("; ", mismatches.Take(8)) + (mismatches.Count > 8 ? "; …" : "")
                + " (weights for another model or width?)");
        if (loaded.Count == 0 && own.Count > 0)
            throw new InvalidDataException($"{file.Source}: none of its {file.Tensors.Count} names matches the model "
                + $"(file: {string.Join(", ", file.Tensors.Keys.Take(4))}…; model: {string.Join(", ", own.Keys.Take(4))}…)");
        foreach (var (_, source, target) in loaded) source.Span.CopyTo(target.Span);
        var missing = own.Keys.Where(k => !seen.Contains(k)).ToList();
        var converted = loaded.Where(l => file.SourceDtypes.ContainsKey(stripped + l.Name))
            .ToDictionary(l => l.Name, l => file.SourceDtypes[stripped + l.Name]);
        return new WeightLoadReport(file.Source, file.Format, loaded.Select(l => l.Name).ToList(), skipped, missing, unexpected, converted, stripped);
    }
}
