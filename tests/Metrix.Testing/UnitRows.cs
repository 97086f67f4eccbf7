using Metrix.Tensors;

namespace Metrix.Testing;

/// <summary>Seeded random unit vectors, row-major: the stand-in for L2-normalised embeddings in search tests.</summary>
public static class UnitRows
{
    /// <summary><paramref name="n"/> rows of width <paramref name="dim"/>, each a normalised Gaussian draw.</summary>
    public static float[] Draw(int n, int dim, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[n * dim];
        rng.FillNormal(x, 0, 1);
        for (int i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * dim, dim);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, System.Numerics.Tensors.TensorPrimitives.Norm(row), row);
        }
        return x;
    }
}
