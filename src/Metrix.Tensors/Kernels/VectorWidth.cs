namespace Metrix.Tensors.Kernels;

/// <summary>The widest vectors a row kernel may use; narrower ones and the scalar tail still run for the remainder.</summary>
public enum VectorWidth
{
    /// <summary>Scalar only: the reference.</summary>
    Scalar = 0,

    /// <summary>Up to 256-bit vectors.</summary>
    Bits256 = 256,

    /// <summary>Up to 512-bit vectors.</summary>
    Bits512 = 512,

    /// <summary>The widest this processor accelerates.</summary>
    Widest = int.MaxValue,
}
