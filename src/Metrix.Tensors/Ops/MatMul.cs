using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Matrix product. [M,K]·[K,N] → [M,N]; batched [B,M,K]·[B,K,N] → [B,M,N]; [B,M,K]·[K,N] → [B,M,N].
    /// ∂/∂A = g·Bᵀ, ∂/∂B = Aᵀ·g (summed over the batch when B is shared).
    /// </summary>
    public static unsafe Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank is < 2 or > 3 || b.Rank is < 2 or > 3 || (a.Rank == 2 && b.Rank == 3))
            throw new ArgumentException($"MatMul supports [M,K]·[K,N], [B,M,K]·[B,K,N] and [B,M,K]·[K,N]; got {Shapes.Format(a.Shape)}·{Shapes.Format(b.Shape)}");
        int batch = a.Rank == 3 ? a.Dim(0) : 1;
        int m = a.Dim(-2), k = a.Dim(-1), n = b.Dim(-1);
        if (b.Dim(-2) != k || (b.Rank == 3 && b.Dim(0) != batch))
            throw new ArgumentException($"MatMul shapes do not match: {Shapes.Format(a.Shape)}·{Shapes.Format(b.Shape)}");
        bool sharedB = b.Rank == 2;
        var y = a.Rank == 3 ? Tensor.Empty(batch, m, n) : Tensor.Empty(m, n);
        for (int i = 0; i < batch; i++)
            Gemm.Multiply(false, false, m, n, k, 1f, a.Pointer + (long)i * m * k, k,
                b.Pointer + (sharedB ? 0 : (long)i * k * n), n, 0f, y.Pointer + (long)i * m * n, n);
        return Autograd.Record(y, "matmul", (g, grads) =>
        {
            if (Gradients.Needs(a))
            {
                var ga = grads.Slot(a, out bool fresh);
                for (int i = 0; i < batch; i++)
                    Gemm.Multiply(false, true, m, k, n, 1f, g.Pointer + (long)i * m * n, n,
                        b.Pointer + (sharedB ? 0 : (long)i * k * n), n, fresh ? 0f : 1f, ga.Pointer + (long)i * m * k, k);
            }
            if (Gradients.Needs(b))
            {
                var gb = grads.Slot(b, out bool fresh);
                for (int i = 0; i < batch; i++)
                {
                    float beta = fresh && (!sharedB || i == 0) ? 0f : 1f;
                    Gemm.Multiply(true, false, k, n, m, 1f, a.Pointer + (long)i * m * k, k,
                        g.Pointer + (long)i * m * n, n, beta, gb.Pointer + (sharedB ? 0 : (long)i * k * n), n);
                }
            }
        }, a, b);
    }
}
