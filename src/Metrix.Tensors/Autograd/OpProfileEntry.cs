namespace Metrix.Tensors;

/// <summary>One operation kind's accumulated times: name and output shape, calls, forward and backward milliseconds.</summary>
public sealed record OpProfileEntry(string Op, string Shape, int Calls, double ForwardMs, double BackwardMs);
