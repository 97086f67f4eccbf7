using Metrix.Tensors.Kernels;
using Metrix.Testing;

namespace Metrix.Tensors.Tests;

/// <summary>The vectorised paths of the operator-struct driver against their scalar references.</summary>
public sealed class ElementOperatorTests
{
    private static float[] Values(int n, int seed)
    {
        var v = new Rng((ulong)seed).Normal([n], 0, 8).ToArray();
        // exact kinks and special values in the first lanes
        float[] special = [0f, -0f, 20f, -20f, 0.5f, -0.5f, 1e-30f, 200f, -200f];
        special.CopyTo(v, 0);
        return v;
    }

    private static void Same<TOp>(TOp op, bool unused = false) where TOp : struct, IBinaryOperator
    {
        _ = unused;
        foreach (int n in new[] { 1, 7, 8, 15, 16, 17, 33, 100 })
        {
            var x = Values(Math.Max(n, 9), n);
            var y = Values(Math.Max(n, 9), n + 1000);
            var expected = new float[x.Length];
            var actual = new float[x.Length];
            Elementwise.BinaryScalar(op, x, y, expected);
            Elementwise.Binary(op, x, y, actual);
            TensorAssert.Close(expected, actual, 1e-6, 1e-30, typeof(TOp).Name);
        }
    }

    [Fact]
    public void Vector_paths_match_the_scalar_reference()
    {
        Same(new Ops.PositiveMask(), false);
    }
}
