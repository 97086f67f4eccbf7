using Metrix.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors.Tests;

/// <summary>The vector max-pooling paths (AVX2 gather, per-lane loads) against the scalar one: values, arg-max routing, ties (first wins), NaN and −∞.</summary>
public sealed class MaxPoolPathsTests
{
    [Theory]
    [InlineData(3, 2, 1, 32, 32)]
    [InlineData(3, 2, 1, 17, 35)]
    [InlineData(2, 2, 0, 16, 24)]
    [InlineData(3, 1, 1, 9, 19)]
    [InlineData(3, 2, 1, 16, 16)]
    [InlineData(3, 2, 1, 31, 33)]
    [InlineData(2, 2, 1, 15, 18)]
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
        var (ys, gs) = Run(data, kernel, stride, padding, h, w, vector: false, gather: false);
        foreach (bool gather in new[] { true, false })
        {
            var (yv, gv) = Run(data, kernel, stride, padding, h, w, vector: true, gather);
            Assert.Equal(ys, yv);
            Assert.Equal(gs, gv);
        }
    }

    private static (float[] Y, float[] Grad) Run(float[] data, int kernel, int stride, int padding, int h, int w, bool vector, bool gather)
    {
        var kernels = KernelOptions.Default with { VectorMaxPool = vector, GatherMaxPool = gather };
        using var scope = new TensorScope();
        var x = Tensor.FromArray(data, 2, 3, h, w).RequireGrad();
        var y = Ops.MaxPool2d(x, kernel, stride, padding, kernels);
        var g = Tensor.Empty(y.ShapeArray());
        for (int i = 0; i < g.Size; i++) g.Span[i] = i + 1;
        y.Backward(g);
        return (y.ToArray(), x.Grad!.ToArray());
    }
}
