namespace Metrix.Nn;

/// <summary>
/// A storage named by a persistent id: its key in the file, element type and element count. Bytes are
/// read later, once every tensor that uses it is known.
/// </summary>
internal sealed record TorchStorage(string Key, TorchDtype Dtype, long Numel);
