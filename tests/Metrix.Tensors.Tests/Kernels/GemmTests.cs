using Metrix.Tensors;
using Metrix.Tensors.Kernels;
using Metrix.Testing;

namespace Metrix.Tensors.Tests;

public sealed unsafe class GemmTests
{
    public static TheoryData<string, bool> Kernels()
    {
        var data = new TheoryData<string, bool>();
        foreach (var k in GemmKernels.Supported)
            foreach (bool vectorPacking in new[] { false, true })
                if (!vectorPacking || System.Runtime.Intrinsics.X86.Avx.IsSupported) data.Add(k.GetType().Name, vectorPacking);
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Every_kernel_matches_the_reference_on_edges_transposes_and_beta(string name, bool vectorPacking)
    {
        var options = KernelOptions.Default with
        {
            Gemm = GemmKernels.All.Single(k => k.GetType().Name == name),
            VectorTranspose = vectorPacking,
        };
        var rng = new Rng(3);
        foreach (var (m, n, k) in new[] { (1, 1, 70), (17, 33, 5), (97, 130, 300), (200, 2100, 19), (64, 64, 600), (40, 48, 264) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (float beta in new[] { 0f, 1f, 0.5f })
                    {
                        var a = rng.Normal(ta ? [k, m] : [m, k]);
                        var b = rng.Normal(tb ? [n, k] : [k, n]);
                        var c0 = rng.Normal([m, n]);
                        var expected = Tensor.FromArray(c0.Span, m, n);
                        var actual = Tensor.FromArray(c0.Span, m, n);
                        Gemm.Reference(ta, tb, 0, m, n, k, 0.75f, a.Pointer, ta ? m : k, b.Pointer, tb ? k : n, beta, expected.Pointer, n);
                        Gemm.Multiply(options, ta, tb, m, n, k, 0.75f, a.Pointer, ta ? m : k, b.Pointer, tb ? k : n, beta, actual.Pointer, n);
                        TensorAssert.Close(expected, actual, rtol: 1e-4, atol: 1e-4 * Math.Sqrt(k));
                    }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Prepacked_B_matches_the_reference(string name, bool vectorPacking)
    {
        if (vectorPacking) return;
        var kernel = GemmKernels.All.Single(k => k.GetType().Name == name);
        var rng = new Rng(11);
        foreach (var (m, n, k) in new[] { (3, 5, 7), (17, 70, 300), (64, 2100, 40), (40, 33, 600) })
            foreach (bool ta in new[] { false, true })
            {
                var a = rng.Normal(ta ? [k, m] : [m, k]);
                var b = rng.Normal([k, n]);
                var packed = new float[Gemm.PackedSize(kernel.Nr, k, n)];
                for (int p = 0; p < k; p++)
                    for (int j = 0; j < n; j++) packed[Gemm.PackedIndex(kernel.Nr, k, p, j)] = b.Span[p * n + j];
                var c0 = rng.Normal([m, n]);
                var expected = Tensor.FromArray(c0.Span, m, n);
                var actual = Tensor.FromArray(c0.Span, m, n);
                Gemm.Reference(ta, false, 0, m, n, k, 0.5f, a.Pointer, ta ? m : k, b.Pointer, n, 0.25f, expected.Pointer, n);
                fixed (float* pb = packed)
                    Gemm.MultiplyPacked(kernel, ta, m, n, k, 0.5f, a.Pointer, ta ? m : k, pb, 0.25f, actual.Pointer, n);
                TensorAssert.Close(expected, actual, rtol: 1e-4, atol: 1e-4 * Math.Sqrt(k));
            }
    }

    [Fact]
    public void Beta_zero_ignores_garbage_in_C()
    {
        int m = 40, n = 50, k = 300;
        var rng = new Rng(5);
        var a = rng.Normal([m, k]);
        var b = rng.Normal([k, n]);
        var c = Tensor.Full(float.NaN, m, n);
        Gemm.Multiply(false, false, m, n, k, 1f, a.Pointer, k, b.Pointer, n, 0f, c.Pointer, n);
        Assert.All(c.ToArray(), v => Assert.False(float.IsNaN(v)));
    }

    [Theory]
    [InlineData(150, 300, 700)]
    [InlineData(64, 147, 2048)] // one MC × NT tile: cut into smaller tiles when threads would idle
    [InlineData(9, 40, 500)]
    public void Results_do_not_depend_on_the_thread_count(int m, int n, int k)
    {
        var rng = new Rng(9);
        var a = rng.Normal([m, k]);
        var b = rng.Normal([k, n]);
        var one = Tensor.Empty(m, n);
        var two = Tensor.Empty(m, n);
        using (Workers.Use(1)) Gemm.Multiply(false, false, m, n, k, 1f, a.Pointer, k, b.Pointer, n, 0f, one.Pointer, n);
        using (Workers.Use(2)) Gemm.Multiply(false, false, m, n, k, 1f, a.Pointer, k, b.Pointer, n, 0f, two.Pointer, n);
        Assert.Equal(one.ToArray(), two.ToArray());
    }
}
