namespace Metrix.Nn;

/// <summary>A legacy tensor class (<c>torch.FloatTensor</c>, …), which the tar format names beside each tensor; never called.</summary>
internal sealed record TorchTensorType(TorchDtype Dtype);
