namespace Metrix.Nn;

/// <summary>
/// A storage named by a persistent id: its key in the file, element type and element count. Bytes are
/// read later, once every tensor that uses it is known.
/// </summary>
internal sealed record TorchStorage(string Key, TorchDtype Dtype, long Numel);

/// <summary>
/// The part of a storage that tensors index into: the whole storage, or a legacy-format storage view
/// starting <paramref name="Offset"/> elements in and <paramref name="Length"/> elements long.
/// </summary>
internal sealed record TorchStorageView(TorchStorage Storage, long Offset, long Length);

/// <summary>A tensor as <c>_rebuild_tensor_v2</c> describes it: storage, element offset, sizes and strides (in elements).</summary>
internal sealed record TorchTensorRef(TorchStorageView Storage, long Offset, long[] Size, long[] Stride);

/// <summary>A legacy tensor class (<c>torch.FloatTensor</c>, …), which the tar format names beside each tensor; never called.</summary>
internal sealed record TorchTensorType(TorchDtype Dtype);
