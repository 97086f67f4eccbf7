using Metrix.Tensors.Kernels;

namespace Metrix.Tensors.Tests;

/// <summary>Every width of the row kernels (512-, 256-bit, scalar) gives the scalar reference's values, for row lengths around the vector sizes.</summary>
public sealed unsafe class RowKernelsTests
{
    public static TheoryData<VectorWidth> Widths() => new(VectorWidth.Widest, VectorWidth.Bits512, VectorWidth.Bits256, VectorWidth.Scalar);

    private static readonly int[] Lengths = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 70];

    [Theory]
    [MemberData(nameof(Widths))]
    public void Every_width_matches_the_scalar_reference(VectorWidth width)
    {
        var rng = new Rng(31);
        foreach (int n in Lengths)
        {
            using var scope = new TensorScope();
            float* s = rng.Normal([n + 1]).Pointer, o = rng.Normal([n + 1]).Pointer, r = rng.Normal([n + 1]).Pointer;
            {
                Same(n, width, (d, w) => RowKernels.Copy(s, d, n, w));
                Same(n, width, (d, w) => { RowKernels.Copy(o, d, n, w); RowKernels.Add(s, d, n, w); });
                Same(n, width, (d, w) => { RowKernels.Copy(o, d, n, w); RowKernels.Zero(d, n, w); });
                Same(n, width, (d, w) => RowKernels.Affine(s, 0.75f, -0.5f, d, n, w));
                Same(n, width, (d, w) => RowKernels.AffineRelu(s, 0.75f, 0.1f, null, d, n, w));
                Same(n, width, (d, w) => RowKernels.AffineRelu(s, 0.75f, 0.1f, r, d, n, w));
                Same(n, width, (d, w) => RowKernels.MaskedScale(s, o, 1.5f, d, null, n, w));
                Same(n, width, (d, w) => RowKernels.MaskedScale(s, o, 1.5f, null, d, n, w));
            }
        }
    }

    private delegate void Kernel(float* destination, VectorWidth width);

    private static void Same(int n, VectorWidth width, Kernel kernel)
    {
        var expected = new float[n + 1];
        var actual = new float[n + 1];
        expected[n] = actual[n] = 42f; // past the row: never written
        fixed (float* e = expected, a = actual)
        {
            kernel(e, VectorWidth.Scalar);
            kernel(a, width);
        }
        Assert.Equal(expected, actual);
    }
}
