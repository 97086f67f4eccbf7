using Metrix.Tensors;

namespace Metrix.Tensors.Tests;

/// <summary>The vector max-pooling path against the scalar one: values, arg-max routing, ties (first wins), NaN and −∞.</summary>
public sealed class MaxPoolPathsTests
{
    [Theory]
    [InlineData(3, 2, 1, 32, 32)]
    [InlineData(3, 2, 1, 17, 35)]
    [InlineData(2, 2, 0, 16, 24)]
    [InlineData(3, 1, 1, 9, 19)]
    public void Vector_and_scalar_paths_agree(int kernel, int stride, int padding, int h, int w)
    {
        var rng = new Rng((ulong)(h * 100 + w));
        var data = new float[2 * 3 * h * w];
        for (int i = 0; i < data.Length; i++)
        {
            // Few distinct values, so ties are common; some NaN and −∞.
            data[i] = rng.NextInt(7) - 3;
            if (rng.NextInt(50) == 0) data[i] = float.NaN;
            if (rng.NextInt(50) == 0) data[i] = float.NegativeInfinity;
        }
        var (yv, gv) = Run(data, kernel, stride, padding, h, w, vector: true);
        var (ys, gs) = Run(data, kernel, stride, padding, h, w, vector: false);
        Assert.Equal(ys, yv);
        Assert.Equal(gs, gv);
    }

    private static (float[] Y, float[] Grad) Run(float[] data, int kernel, int stride, int padding, int h, int w, bool vector)
    {
        bool saved = Ops.VectorMaxPool;
        Ops.VectorMaxPool = vector;
        try
        {
            using var scope = new TensorScope();
            var x = Tensor.FromArray(data, 2, 3, h, w).RequireGrad();
            var y = Ops.MaxPool2d(x, kernel, stride, padding);
            var g = Tensor.Empty(y.ShapeArray());
            for (int i = 0; i < g.Size; i++) g.Span[i] = i + 1;
            y.Backward(g);
            return (y.ToArray(), x.Grad!.ToArray());
        }
        finally { Ops.VectorMaxPool = saved; }
    }
}
