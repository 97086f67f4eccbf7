namespace Metrix.Reports;

/// <summary>How a <see cref="ChartSeries"/> is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A polyline through the points (broken at non-finite values).</summary>
    Line,

    /// <summary>A circle at each point (a scatter plot).</summary>
    Markers,

    /// <summary>Both.</summary>
    LineAndMarkers,
}
