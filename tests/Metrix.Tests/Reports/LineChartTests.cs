using System.Globalization;
using System.Xml.Linq;
using Metrix.Reports;

namespace Metrix.Tests;

public sealed class LineChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XElement[] ByClass(XDocument doc, string name, string cls) =>
        doc.Descendants(Svg + name).Where(e => (string?)e.Attribute("class") == cls).ToArray();

    private static (double X, double Y)[] Points(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();

    [Fact]
    public void Series_labels_and_ticks_are_in_the_svg()
    {
        var chart = new LineChart { Title = "Recall@K <CUB & Cars>", XLabel = "epoch", YLabel = "Recall@1" }
            .Add(ChartSeries.PerEpoch("R@1", [0.5, 0.6, 0.65]))
            .Add(new ChartSeries("loss", [1, 2, 3, 4], [0.9, 0.7, 0.55, 0.5], SeriesStyle.Line));
        var doc = XDocument.Parse(chart.ToSvg());

        Assert.Equal("Recall@K <CUB & Cars>", ByClass(doc, "text", "title").Single().Value);
        Assert.Equal("epoch", ByClass(doc, "text", "x-label").Single().Value);
        Assert.Equal("Recall@1", ByClass(doc, "text", "y-label").Single().Value);
        var series = ByClass(doc, "g", "series");
        Assert.Equal(["R@1", "loss"], series.Select(g => g.Attribute("data-name")!.Value));
        Assert.Equal(3, series[0].Elements(Svg + "circle").Count());
        Assert.Equal(3, Points(series[0].Element(Svg + "polyline")!).Length);
        Assert.Empty(series[1].Elements(Svg + "circle"));
        Assert.Equal(4, Points(series[1].Element(Svg + "polyline")!).Length);
        Assert.Equal(["R@1", "loss"], doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend")
            .Elements(Svg + "text").Select(t => t.Value));
        // x from 1 to 4: a raw step of 3/5 rounds up to 1; y from 0.5 to 0.9: 0.4/5 rounds up to 0.1.
        Assert.Equal(["1", "2", "3", "4"], ByClass(doc, "text", "x-tick").Select(t => t.Value));
        Assert.Equal(["0.5", "0.6", "0.7", "0.8", "0.9"], ByClass(doc, "text", "y-tick").Select(t => t.Value));
    }

    [Fact]
    public void Points_map_linearly_into_the_plot_and_increase_upwards()
    {
        var chart = new LineChart().Add(new ChartSeries("s", [0, 5, 10], [0, 5, 10]));
        var p = Points(XDocument.Parse(chart.ToSvg()).Descendants(Svg + "polyline").Single());
        Assert.Equal(p[1].X - p[0].X, p[2].X - p[1].X, 1);
        Assert.True(p[2].Y < p[1].Y && p[1].Y < p[0].Y);
    }

    [Fact]
    public void Log_x_axis_has_decade_ticks_and_drops_non_positive_x()
    {
        var chart = new LineChart { LogX = true }.Add(new ChartSeries("recall", [0, 1, 10, 100, 1000], [0.1, 0.5, 0.8, 0.9, 0.95], SeriesStyle.Markers));
        var doc = XDocument.Parse(chart.ToSvg());
        Assert.Equal(["1", "10", "100", "1000"], ByClass(doc, "text", "x-tick").Select(t => t.Value));
        var cx = doc.Descendants(Svg + "circle").Select(c => double.Parse(c.Attribute("cx")!.Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, cx.Length);
        Assert.Equal(cx[1] - cx[0], cx[3] - cx[2], 1); // equal spacing per decade
    }

    [Fact]
    public void Non_finite_values_break_the_line()
    {
        var chart = new LineChart().Add(new ChartSeries("gappy", [1, 2, 3, 4, 5], [1, 2, double.NaN, 4, 5]));
        var lines = XDocument.Parse(chart.ToSvg()).Descendants(Svg + "polyline").ToArray();
        Assert.Equal([2, 2], lines.Select(l => Points(l).Length));
    }

    [Fact]
    public void Save_writes_the_file_atomically_and_bad_series_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("metrix-chart");
        try
        {
            var path = Path.Combine(dir.FullName, "plots", "loss.svg");
            var chart = new LineChart { Title = "loss" }.Add(ChartSeries.PerEpoch("loss", [3, 2, 1]));
            chart.Save(path);
            Assert.Equal(chart.ToSvg(), File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
            var empty = XDocument.Parse(new LineChart { Title = "empty" }.ToSvg());
            Assert.Empty(ByClass(empty, "g", "series"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        Assert.Contains("3 x values but 2 y values", Assert.Throws<ArgumentException>(() => new ChartSeries("bad", [1, 2, 3], [1, 2])).Message);
    }
}
