namespace Metrix.Nn;

/// <summary>
/// The part of a storage that tensors index into: the whole storage, or a legacy-format storage view
/// starting <paramref name="Offset"/> elements in and <paramref name="Length"/> elements long.
/// </summary>
internal sealed record TorchStorageView(TorchStorage Storage, long Offset, long Length);
