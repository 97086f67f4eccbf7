namespace Metrix.Tensors;

/// <summary>A set of named tensors with string metadata, as stored in a safetensors file.</summary>
public sealed record TensorFile(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);
