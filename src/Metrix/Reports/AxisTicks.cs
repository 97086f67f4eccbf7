using System.Globalization;

namespace Metrix.Reports;

/// <summary>Axis ranges and tick positions at "nice" values (1, 2 or 5 × 10ⁿ; decades on log axes).</summary>
internal static class AxisTicks
{
    /// <summary>Widens [lo, hi] to multiples of a nice step giving about <paramref name="target"/> intervals; returns the ticks.</summary>
    public static double[] Linear(ref double lo, ref double hi, int target = 5)
    {
        if (!(hi > lo))
        {
            double pad = lo == 0 ? 1 : Math.Abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = NiceStep((hi - lo) / target);
        lo = Math.Floor(lo / step + 1e-9) * step;
        hi = Math.Ceiling(hi / step - 1e-9) * step;
        int count = (int)Math.Round((hi - lo) / step);
        var ticks = new double[count + 1];
        for (int i = 0; i <= count; i++) ticks[i] = Clean(lo + i * step, step);
        return ticks;
    }

    /// <summary>Widens [lo, hi] (both &gt; 0) to whole decades; ticks at decades, and at 2 and 5 × 10ⁿ when the range spans fewer than three decades.</summary>
    public static double[] Log(ref double lo, ref double hi)
    {
        double a = Math.Floor(Math.Log10(lo) + 1e-9), b = Math.Ceiling(Math.Log10(hi) - 1e-9);
        if (b <= a) b = a + 1;
        lo = Math.Pow(10, a);
        hi = Math.Pow(10, b);
        var ticks = new List<double>();
        for (double e = a; e <= b; e++)
        {
            double decade = Math.Pow(10, e);
            ticks.Add(decade);
            if (b - a < 3 && e < b)
            {
                ticks.Add(2 * decade);
                ticks.Add(5 * decade);
            }
        }
        return [.. ticks];
    }

    /// <summary>Short invariant text for a tick value.</summary>
    public static string Format(double value) =>
        Math.Abs(value) is >= 1e-4 and < 1e6 or 0 ? value.ToString("0.####", CultureInfo.InvariantCulture)
            : value.ToString("0.##e0", CultureInfo.InvariantCulture);

    private static double NiceStep(double raw)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / power;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
    }

    // Removes the rounding residue of lo + i·step (e.g. 0.30000000000000004).
    private static double Clean(double value, double step)
    {
        double v = Math.Round(value / step) * step;
        return Math.Abs(v) < step * 1e-9 ? 0 : Math.Round(v, 12);
    }
}
