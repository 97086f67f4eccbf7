using System.Numerics.Tensors;
using Metrix.Tensors.Kernels;

namespace Metrix.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Largest value along <paramref name="dim"/> and its index (the first one on ties; NaN wins, as
    /// PyTorch). Indices are flat in the output's row-major order. ∂x = g at the returned index only,
    /// as PyTorch's max(dim).
    /// </summary>
    public static (Tensor Values, int[] Indices) Max(Tensor x, int dim, bool keepDim = false) => Extreme(x, dim, keepDim, max: true);

    /// <summary>Smallest value along <paramref name="dim"/> and its index; see <see cref="Max(Tensor, int, bool)"/>.</summary>
    public static (Tensor Values, int[] Indices) Min(Tensor x, int dim, bool keepDim = false) => Extreme(x, dim, keepDim, max: false);

    /// <summary>Index of the largest value along <paramref name="dim"/> (first on ties), flat in output order.</summary>
    public static int[] Argmax(Tensor x, int dim)
    {
        using var noGrad = Autograd.NoGrad();
        var (v, i) = Max(x, dim);
        v.Dispose();
        return i;
    }

    /// <summary>Index of the smallest value along <paramref name="dim"/> (first on ties), flat in output order.</summary>
    public static int[] Argmin(Tensor x, int dim)
    {
        using var noGrad = Autograd.NoGrad();
        var (v, i) = Min(x, dim);
        v.Dispose();
        return i;
    }

    /// <summary>Flat index of the largest element (first on ties).</summary>
    public static int Argmax(Tensor x) => NonEmpty(x, "Argmax") ? TensorPrimitives.IndexOfMax(x.Span) : -1;

    /// <summary>Flat index of the smallest element (first on ties).</summary>
    public static int Argmin(Tensor x) => NonEmpty(x, "Argmin") ? TensorPrimitives.IndexOfMin(x.Span) : -1;

    /// <summary>Largest element, zero-dimensional. ∂x = g shared evenly by the elements equal to it (PyTorch's max()).</summary>
    public static Tensor Max(Tensor x) => Whole(x, max: true);

    /// <summary>Smallest element, zero-dimensional. ∂x = g shared evenly by the elements equal to it.</summary>
    public static Tensor Min(Tensor x) => Whole(x, max: false);

    private static bool NonEmpty(Tensor x, string op) =>
        x.Size > 0 ? true : throw new ArgumentException($"{op} of an empty tensor {Shapes.Format(x.Shape)}");

    private static Tensor Whole(Tensor x, bool max)
    {
        NonEmpty(x, max ? "Max" : "Min");
        float m = max ? TensorPrimitives.Max(x.Span) : TensorPrimitives.Min(x.Span);
        var y = Tensor.Scalar(m);
        return Autograd.Record(y, max ? "max" : "min", (g, grads) =>
        {
            var gx = x.ZerosLike();
            var xs = x.Span;
            var d = gx.Span;
            int count = 0;
            for (int i = 0; i < xs.Length; i++) if (xs[i] == m || (float.IsNaN(m) && float.IsNaN(xs[i]))) count++;
            float share = g.Item() / count;
            for (int i = 0; i < xs.Length; i++) if (xs[i] == m || (float.IsNaN(m) && float.IsNaN(xs[i]))) d[i] = share;
            grads.Take(x, gx);
        }, x);
    }

    private static (Tensor Values, int[] Indices) Extreme(Tensor x, int dim, bool keepDim, bool max)
    {
        int d = Shapes.NormalizeDim(dim, x.Rank);
        var l = DimLayout.Of(x.Shape, d);
        if (l.N == 0) throw new ArgumentException($"{(max ? "Max" : "Min")} along an empty dimension {dim} of {Shapes.Format(x.Shape)}");
        var y = Tensor.Empty(DimLayout.Reduced(x.Shape, d, keepDim));
        var index = new int[l.Lines];
        ForOuter(l, o =>
        {
            var xo = x.Span.Slice(o * l.N * l.Inner, l.N * l.Inner);
            var yo = y.Span.Slice(o * l.Inner, l.Inner);
            var io = index.AsSpan(o * l.Inner, l.Inner);
            if (l.Inner == 1)
            {
                io[0] = max ? TensorPrimitives.IndexOfMax(xo) : TensorPrimitives.IndexOfMin(xo);
                yo[0] = xo[io[0]];
                return;
            }
            xo[..l.Inner].CopyTo(yo);
            io.Clear();
            for (int k = 1; k < l.N; k++)
            {
                var row = xo.Slice(k * l.Inner, l.Inner);
                for (int j = 0; j < row.Length; j++)
                {
                    float v = row[j], best = yo[j];
                    if ((max ? v > best : v < best) || (float.IsNaN(v) && !float.IsNaN(best)))
                    {
                        yo[j] = v;
                        io[j] = k;
                    }
                }
            }
        });
        var result = Autograd.Record(y, max ? "max_dim" : "min_dim", (g, grads) =>
        {
            // ∂x[o, index[o, j], j] += g[o, j]
            var gx = grads.Slot(x);
            var dst = gx.Span;
            var gs = g.Span;
            for (int line = 0; line < l.Lines; line++)
                dst[(line / l.Inner * l.N + index[line]) * l.Inner + line % l.Inner] += gs[line];
        }, x);
        return (result, index);
    }
}
