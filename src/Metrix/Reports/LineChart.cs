using System.Globalization;
using System.Security;
using System.Text;
using Metrix.Tensors;

namespace Metrix.Reports;

/// <summary>
/// A dependency-free SVG line / scatter chart: title, axis labels, ticks with grid lines, several series
/// with a legend, optional logarithmic x axis. Used for loss and Recall@K per epoch and for the analysis
/// plots.
/// </summary>
/// <remarks>
/// Output structure (stable, for tools and tests): the root <c>svg</c>; <c>text</c> elements with class
/// <c>title</c>, <c>x-label</c>, <c>y-label</c>, <c>x-tick</c>, <c>y-tick</c>; one <c>g</c> with class
/// <c>series</c> and <c>data-name</c> per series holding its <c>polyline</c>s (a line is broken at
/// non-finite points) and <c>circle</c>s; a <c>g</c> with class <c>legend</c>. Points with x ≤ 0 are
/// left out of a log-x chart.
/// </remarks>
public sealed class LineChart
{
    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private const double Left = 70, Top = 40, Bottom = 52, LegendWidth = 170;

    /// <summary>Chart title.</summary>
    public string Title { get; init; } = "";

    /// <summary>Label of the x axis.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>Label of the y axis.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Logarithmic (base-10) x axis.</summary>
    public bool LogX { get; init; }

    /// <summary>Fixed lower end of the y axis (default: from the data).</summary>
    public double? YMin { get; init; }

    /// <summary>Fixed upper end of the y axis (default: from the data).</summary>
    public double? YMax { get; init; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; init; } = 720;

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; } = 420;

    /// <summary>The series, drawn in order with the palette's colours.</summary>
    public List<ChartSeries> Series { get; } = [];

    /// <summary>Adds a series and returns this chart.</summary>
    public LineChart Add(ChartSeries series)
    {
        Series.Add(series);
        return this;
    }

    /// <summary>Writes the SVG to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToSvg());

    /// <summary>The chart as an SVG document.</summary>
    public string ToSvg()
    {
        var points = Series.Select(Visible).ToArray();
        var all = points.SelectMany(p => p).ToArray();
        double x0 = all.Length > 0 ? all.Min(p => p.X) : LogX ? 1 : 0, x1 = all.Length > 0 ? all.Max(p => p.X) : LogX ? 10 : 1;
        double y0 = YMin ?? (all.Length > 0 ? all.Min(p => p.Y) : 0), y1 = YMax ?? (all.Length > 0 ? all.Max(p => p.Y) : 1);
        double[] xTicks = LogX ? AxisTicks.Log(ref x0, ref x1) : AxisTicks.Linear(ref x0, ref x1);
        double[] yTicks = AxisTicks.Linear(ref y0, ref y1);
        if (YMin is { } fixedLo) y0 = fixedLo;
        if (YMax is { } fixedHi) y1 = fixedHi;
        yTicks = yTicks.Where(t => t >= y0 - 1e-12 && t <= y1 + 1e-12).ToArray();

        double plotRight = Width - LegendWidth, plotBottom = Height - Bottom;
        double Px(double x) => LogX
            ? Left + (Math.Log10(x) - Math.Log10(x0)) / (Math.Log10(x1) - Math.Log10(x0)) * (plotRight - Left)
            : Left + (x - x0) / (x1 - x0) * (plotRight - Left);
        double Py(double y) => plotBottom - (y - y0) / (y1 - y0) * (plotBottom - Top);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append($"<text class=\"title\" x=\"{F((Left + plotRight) / 2)}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{E(Title)}</text>\n");
        svg.Append("<g class=\"axes\" stroke=\"#000\" fill=\"none\">\n");
        foreach (double t in xTicks)
            svg.Append($"<line class=\"grid\" x1=\"{F(Px(t))}\" y1=\"{F(Top)}\" x2=\"{F(Px(t))}\" y2=\"{F(plotBottom)}\" stroke=\"#ddd\"/>\n");
        foreach (double t in yTicks)
            svg.Append($"<line class=\"grid\" x1=\"{F(Left)}\" y1=\"{F(Py(t))}\" x2=\"{F(plotRight)}\" y2=\"{F(Py(t))}\" stroke=\"#ddd\"/>\n");
        svg.Append($"<rect x=\"{F(Left)}\" y=\"{F(Top)}\" width=\"{F(plotRight - Left)}\" height=\"{F(plotBottom - Top)}\"/>\n");
        svg.Append("</g>\n");
        svg.Append($"<clipPath id=\"plot-area\"><rect x=\"{F(Left)}\" y=\"{F(Top)}\" width=\"{F(plotRight - Left)}\" height=\"{F(plotBottom - Top)}\"/></clipPath>\n");
        foreach (double t in xTicks)
            svg.Append($"<text class=\"x-tick\" x=\"{F(Px(t))}\" y=\"{F(plotBottom + 16)}\" text-anchor=\"middle\">{AxisTicks.Format(t)}</text>\n");
        foreach (double t in yTicks)
            svg.Append($"<text class=\"y-tick\" x=\"{F(Left - 6)}\" y=\"{F(Py(t) + 4)}\" text-anchor=\"end\">{AxisTicks.Format(t)}</text>\n");
        svg.Append($"<text class=\"x-label\" x=\"{F((Left + plotRight) / 2)}\" y=\"{F(Height - 12)}\" text-anchor=\"middle\">{E(XLabel)}</text>\n");
        svg.Append($"<text class=\"y-label\" x=\"0\" y=\"0\" transform=\"translate(16 {F((Top + plotBottom) / 2)}) rotate(-90)\" text-anchor=\"middle\">{E(YLabel)}</text>\n");

        for (int s = 0; s < Series.Count; s++)
        {
            var series = Series[s];
            string colour = Palette[s % Palette.Length];
            svg.Append($"<g class=\"series\" data-name=\"{E(series.Name)}\" clip-path=\"url(#plot-area)\" stroke=\"{colour}\" fill=\"{colour}\">\n");
            if (series.Style != SeriesStyle.Markers)
                foreach (var run in Runs(series))
                    svg.Append($"<polyline fill=\"none\" stroke-width=\"1.8\" points=\"{string.Join(' ', run.Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"))}\"/>\n");
            if (series.Style != SeriesStyle.Line)
                foreach (var p in points[s])
                    svg.Append($"<circle cx=\"{F(Px(p.X))}\" cy=\"{F(Py(p.Y))}\" r=\"2.5\"/>\n");
            svg.Append("</g>\n");
        }

        svg.Append("<g class=\"legend\">\n");
        for (int s = 0; s < Series.Count; s++)
        {
            double y = Top + 10 + 18 * s;
            string colour = Palette[s % Palette.Length];
            svg.Append($"<line x1=\"{F(plotRight + 12)}\" y1=\"{F(y)}\" x2=\"{F(plotRight + 34)}\" y2=\"{F(y)}\" stroke=\"{colour}\" stroke-width=\"2\"/>\n");
            svg.Append($"<text x=\"{F(plotRight + 40)}\" y=\"{F(y + 4)}\">{E(Series[s].Name)}</text>\n");
        }
        svg.Append("</g>\n</svg>\n");
        return svg.ToString();
    }

    // The drawable points of a series: finite, and positive x on a log axis.
    private List<(double X, double Y)> Visible(ChartSeries series)
    {
        var points = new List<(double X, double Y)>();
        for (int i = 0; i < series.X.Count; i++)
            if (Drawable(series.X[i], series.Y[i])) points.Add((series.X[i], series.Y[i]));
        return points;
    }

    // Maximal runs of consecutive drawable points: a gap (NaN, ∞, x ≤ 0 on log) breaks the line.
    private IEnumerable<List<(double X, double Y)>> Runs(ChartSeries series)
    {
        var run = new List<(double X, double Y)>();
        for (int i = 0; i < series.X.Count; i++)
        {
            if (Drawable(series.X[i], series.Y[i]))
            {
                run.Add((series.X[i], series.Y[i]));
                continue;
            }
            if (run.Count > 0) yield return run;
            run = [];
        }
        if (run.Count > 0) yield return run;
    }

    private bool Drawable(double x, double y) => double.IsFinite(x) && double.IsFinite(y) && (!LogX || x > 0);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string text) => SecurityElement.Escape(text) ?? "";
}
