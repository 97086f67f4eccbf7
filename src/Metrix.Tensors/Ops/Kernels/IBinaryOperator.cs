using System.Runtime.Intrinsics;

namespace Metrix.Tensors.Kernels;

/// <summary>z = f(x, y), as a scalar reference and its 256- and 512-bit vector forms.</summary>
internal interface IBinaryOperator
{
    float Invoke(float x, float y);

    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}
