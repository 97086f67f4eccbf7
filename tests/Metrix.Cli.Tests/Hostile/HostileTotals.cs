using System.Globalization;
using System.Text;

namespace Metrix.Cli.Tests;

/// <summary>Counts per class of hostile input: tried, handled, hangs, crashes, data lost.</summary>
internal sealed class HostileTotals
{
    private readonly SortedDictionary<string, int[]> _byClass = new(StringComparer.Ordinal);

    /// <summary>Adds one outcome to its class.</summary>
    public void Add(string cls, HostileSuiteTests.Outcome outcome)
    {
        if (!_byClass.TryGetValue(cls, out var n)) _byClass[cls] = n = new int[5];
        n[0]++;
        if (outcome.Problem is null) n[1]++;
        if (outcome.Hang) n[2]++;
        if (outcome.Crash) n[3]++;
        if (outcome.Lost) n[4]++;
    }

    /// <summary>A table: one row per class and the total.</summary>
    public string Format()
    {
        var sb = new StringBuilder("hostile inputs: class | tried | handled | hangs | crashes | data lost\n");
        var total = new int[5];
        foreach (var (cls, n) in _byClass)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{cls} | {n[0]} | {n[1]} | {n[2]} | {n[3]} | {n[4]}"));
            for (int k = 0; k < 5; k++) total[k] += n[k];
        }
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"total | {total[0]} | {total[1]} | {total[2]} | {total[3]} | {total[4]}"));
        return sb.ToString();
    }
}
