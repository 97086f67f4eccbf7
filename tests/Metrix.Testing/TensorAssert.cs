using System.Globalization;
using Metrix.Tensors;
using Xunit.Sdk;

namespace Metrix.Testing;

/// <summary>Element-wise comparison of tensors with relative and absolute tolerances.</summary>
public static class TensorAssert
{
    /// <summary>
    /// Asserts equal shapes and |expected − actual| ≤ atol + rtol·|expected| for every element; the
    /// message names the worst element and the largest relative error.
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-4, double atol = 1e-5, string what = "tensor")
    {
        if (!Shapes.Equal(expected.Shape, actual.Shape))
            throw new XunitException($"{what}: shape {Shapes.Format(actual.Shape)}, expected {Shapes.Format(expected.Shape)}");
        Close(expected.Span, actual.Span, rtol, atol, what);
    }

    /// <inheritdoc cref="Close(Tensor, Tensor, double, double, string)"/>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol = 1e-4, double atol = 1e-5, string what = "values")
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: {actual.Length} values, expected {expected.Length}");
        int worst = -1;
        double worstExcess = 0, maxRel = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double err = Math.Abs(e - a);
            if (double.IsNaN(a) != double.IsNaN(e)) err = double.PositiveInfinity;
            else if (double.IsNaN(a)) err = 0;
            maxRel = Math.Max(maxRel, err / Math.Max(Math.Abs(e), atol / Math.Max(rtol, 1e-30)));
            double excess = err - (atol + rtol * Math.Abs(e));
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0)
            throw new XunitException(string.Format(CultureInfo.InvariantCulture,
                "{0}: element {1} is {2:G9}, expected {3:G9} (rtol {4:G3}, atol {5:G3}; max relative error {6:G3})",
                what, worst, actual[worst], expected[worst], rtol, atol, maxRel));
    }

    /// <summary>Largest |expected − actual| / max(|expected|, floor) over the elements.</summary>
    public static double MaxRelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double floor = 1e-3)
    {
        double m = 0;
        for (int i = 0; i < expected.Length; i++)
            m = Math.Max(m, Math.Abs(expected[i] - actual[i]) / Math.Max(Math.Abs(expected[i]), floor));
        return m;
    }
}
