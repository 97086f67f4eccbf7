namespace Metrix.Tensors;

/// <summary>Saved state of an <see cref="Rng"/>.</summary>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3, double Spare, bool HasSpare);
