using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

/// <summary>Pairwise distances between the rows of two matrices.</summary>
public static partial class Ops
{
    /// <summary>
    /// Euclidean distances d[i, j] = ‖aᵢ − bⱼ‖ between rows of a [M, D] and b [N, D] → [M, N], computed
    /// from the differences (exact near 0, unlike the ‖a‖² + ‖b‖² − 2ab expansion). With W = g / d (0 where
    /// d = 0, as PyTorch's cdist): ∂a = diag(W·1)·a − W·b, ∂b = diag(Wᵀ·1)·b − Wᵀ·a.
    /// </summary>
    public static Tensor Cdist(Tensor a, Tensor b) => Distances(a, b, squared: false);

    /// <summary>
    /// Squared Euclidean distances ‖aᵢ − bⱼ‖² → [M, N]; the gradient is the same formula with W = 2g.
    /// </summary>
    public static Tensor SquaredDistances(Tensor a, Tensor b) => Distances(a, b, squared: true);

    private static unsafe Tensor Distances(Tensor a, Tensor b, bool squared)
    {
        if (a.Rank != 2 || b.Rank != 2 || a.Dim(1) != b.Dim(1))
            throw new ArgumentException($"pairwise distances need a [M, D] and b [N, D]; got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}");
        int m = a.Dim(0), n = b.Dim(0), dim = a.Dim(1);
        var y = Tensor.Empty(m, n);
        Workers.For(m, Math.Max(1, Elementwise.Grain / Math.Max(1, n * dim)), (r0, r1) =>
        {
            for (int i = r0; i < r1; i++)
            {
                var ai = a.Span.Slice(i * dim, dim);
                var yi = y.Span.Slice(i * n, n);
                for (int j = 0; j < n; j++)
                {
                    float s = SquaredDistance(ai, b.Span.Slice(j * dim, dim));
                    yi[j] = squared ? s : MathF.Sqrt(s);
                }
            }
        });
        return Autograd.Record(y, squared ? "sqdist" : "cdist", (g, grads) =>
        {
            // W [M, N]
            using var w = g.EmptyLike();
            if (squared) TensorPrimitives.Multiply(g.Span, 2f, w.Span);
            else
            {
                ReadOnlySpan<float> gv = g.Span, dv = y.Span;
                var wv = w.Span;
                for (int k = 0; k < wv.Length; k++) wv[k] = dv[k] == 0f ? 0f : gv[k] / dv[k];
            }
            if (Gradients.Needs(a))
            {
                // ∂a = rowsum(W)·a − W·b
                var ga = a.EmptyLike();
                for (int i = 0; i < m; i++)
                    TensorPrimitives.Multiply(a.Span.Slice(i * dim, dim), TensorPrimitives.Sum(w.Span.Slice(i * n, n)), ga.Span.Slice(i * dim, dim));
                Gemm.Multiply(false, false, m, dim, n, -1f, w.Pointer, n, b.Pointer, dim, 1f, ga.Pointer, dim);
                grads.Take(a, ga);
            }
            if (Gradients.Needs(b))
            {
                // ∂b = colsum(W)·b − Wᵀ·a
                var colSums = new float[n];
                for (int i = 0; i < m; i++) TensorPrimitives.Add(colSums, w.Span.Slice(i * n, n), colSums);
                var gb = b.EmptyLike();
                for (int j = 0; j < n; j++)
                    TensorPrimitives.Multiply(b.Span.Slice(j * dim, dim), colSums[j], gb.Span.Slice(j * dim, dim));
                Gemm.Multiply(true, false, n, dim, m, -1f, w.Pointer, n, a.Pointer, dim, 1f, gb.Pointer, dim);
                grads.Take(b, gb);
            }
        }, a, b);
    }

    /// <summary>Σ (x − y)², vectorised with the scalar loop for the remainder.</summary>
    internal static float SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0, len = x.Length;
        float s = 0;
        if (Vector512.IsHardwareAccelerated && len >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= len - 16; i += 16)
            {
                var d = Vector512.Create(x.Slice(i, 16)) - Vector512.Create(y.Slice(i, 16));
                acc = Vector512.FusedMultiplyAdd(d, d, acc);
            }
            s = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && len >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= len - 8; i += 8)
            {
                var d = Vector256.Create(x.Slice(i, 8)) - Vector256.Create(y.Slice(i, 8));
                acc = Vector256.FusedMultiplyAdd(d, d, acc);
            }
            s = Vector256.Sum(acc);
        }
        for (; i < len; i++)
        {
            float d = x[i] - y[i];
            s += d * d;
        }
        return s;
    }
}
