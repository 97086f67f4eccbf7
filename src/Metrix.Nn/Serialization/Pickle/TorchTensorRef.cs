namespace Metrix.Nn;

/// <summary>A tensor as <c>_rebuild_tensor_v2</c> describes it: storage, element offset, sizes and strides (in elements).</summary>
internal sealed record TorchTensorRef(TorchStorageView Storage, long Offset, long[] Size, long[] Stride);
