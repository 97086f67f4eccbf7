namespace Metrix.Reports;

/// <summary>One named series of (x, y) points of a <see cref="LineChart"/>; non-finite points are left out.</summary>
public sealed record ChartSeries
{
    /// <summary>A series from parallel x and y lists of equal length.</summary>
    public ChartSeries(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, SeriesStyle style = SeriesStyle.Line)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (x.Count != y.Count)
            throw new ArgumentException($"chart series '{name}': {x.Count} x values but {y.Count} y values");
        Name = name;
        X = x;
        Y = y;
        Style = style;
    }

    /// <summary>Legend text.</summary>
    public string Name { get; }

    /// <summary>Abscissae.</summary>
    public IReadOnlyList<double> X { get; }

    /// <summary>Ordinates.</summary>
    public IReadOnlyList<double> Y { get; }

    /// <summary>Line, markers or both.</summary>
    public SeriesStyle Style { get; }

    /// <summary>y against 1, 2, …, n (e.g. a value per epoch).</summary>
    public static ChartSeries PerEpoch(string name, IReadOnlyList<double> y, SeriesStyle style = SeriesStyle.LineAndMarkers) =>
        new(name, Enumerable.Range(1, y.Count).Select(i => (double)i).ToArray(), y, style);
}
