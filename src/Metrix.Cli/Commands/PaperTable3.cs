using System.Globalization;
using System.Text;

namespace Metrix.Cli;

/// <summary>
/// The paper's Table 3 (Metrix against i-Mix, MoCHi and proxy synthesis; ResNet-50, 512-d embeddings), the numbers
/// as printed in the paper, and the <c>metrix reproduce</c> commands that run the same comparison with this program.
/// </summary>
public static class PaperTable3
{
    /// <summary>The paper's datasets in the table's column order, with the Recall@K columns each reports.</summary>
    public static IReadOnlyList<(string Dataset, int[] Ks)> Columns { get; } =
    [
        ("cub", [1, 2, 4]), ("cars", [1, 2, 4]), ("sop", [1, 10, 100]), ("inshop", [1, 10, 20]),
    ];

    /// <summary>One row: method, mixing pairs, loss, and Recall@K per dataset in <see cref="Columns"/> order.</summary>
    public sealed record Row(string Method, string Pairs, string Loss, double[] Recall);

    /// <summary>The rows of Table 3 (paper, section 4.2).</summary>
    public static IReadOnlyList<Row> Rows { get; } =
    [
        new("Cont", "-", "contrastive", [64.7, 75.9, 84.6, 81.6, 88.2, 92.7, 74.9, 87.0, 93.9, 86.4, 94.7, 96.3]),
        new("i-Mix", "anc-neg", "contrastive", [65.8, 76.2, 84.9, 82.0, 88.5, 93.2, 75.2, 87.3, 94.2, 87.1, 95.4, 96.1]),
        new("Metrix/input", "pos-neg / anc-neg", "contrastive", [66.3, 77.1, 85.2, 82.9, 89.3, 93.7, 75.8, 87.8, 94.6, 87.7, 95.9, 96.5]),
        new("MoCHi", "neg-neg", "contrastive", [63.1, 74.3, 83.8, 76.3, 84.0, 89.3, 68.9, 83.1, 91.8, 81.8, 91.9, 93.9]),
        new("MoCHi", "anc-neg", "contrastive", [65.2, 75.8, 84.2, 82.5, 88.0, 92.9, 75.8, 87.1, 94.8, 87.2, 92.8, 94.9]),
        new("Metrix/embed", "pos-neg / anc-neg", "contrastive", [66.4, 77.6, 85.4, 83.9, 90.3, 94.1, 76.7, 88.6, 95.2, 88.4, 95.4, 96.9]),
        new("PA", "-", "proxyanchor", [69.7, 80.0, 87.0, 87.6, 92.3, 95.5, 79.1, 90.8, 96.2, 90.0, 97.4, 98.2]),
        new("PS", "pos-neg / neg-neg", "proxyanchor", [70.0, 79.8, 87.2, 87.9, 92.8, 95.6, 79.6, 90.9, 96.4, 90.3, 97.4, 98.0]),
        new("Metrix/embed", "pos-neg / anc-neg", "proxyanchor", [70.4, 81.1, 87.9, 88.9, 93.3, 96.4, 80.6, 91.7, 96.6, 91.6, 98.3, 98.3]),
    ];

    /// <summary>
    /// The commands that run Table 3's comparison on <paramref name="dataset"/>, one <c>metrix reproduce</c> per group
    /// of rows sharing a loss and pair sets; <paramref name="extra"/> (such as <c>--seeds 1,2,3</c>) is appended.
    /// </summary>
    public static IReadOnlyList<string> Commands(string dataset, string extra)
    {
        string tail = extra.Length > 0 ? " " + extra : "";
        string d = $"metrix reproduce --dataset {dataset}";
        return
        [
            $"{d} --loss contrastive --modes baseline,imix,input{tail}",
            $"{d} --loss contrastive --modes mochi --pairs negneg{tail}",
            $"{d} --loss contrastive --modes mochi --pairs ancneg{tail}",
            $"{d} --loss contrastive --modes embed{tail}",
            $"{d} --loss proxyanchor --modes baseline,ps,embed{tail}",
        ];
    }

    /// <summary>
    /// The paper's table for <paramref name="dataset"/> when it is one of the paper's datasets, else every dataset's
    /// columns, followed by the commands.
    /// </summary>
    public static string Format(string dataset, string extra)
    {
        var text = new StringBuilder();
        var columns = Columns.Select((c, i) => (c.Dataset, c.Ks, Offset: 3 * i)).Where(c => c.Dataset == dataset || Columns.All(x => x.Dataset != dataset)).ToList();
        text.AppendLine("Table 3 of the paper (ResNet-50, 512-d, Recall@K %, as published):");
        text.Append(Invariant($"{"method",-14}{"pairs",-19}{"loss",-13}"));
        foreach (var c in columns)
            foreach (int k in c.Ks) text.Append(Invariant($"{c.Dataset + " R@" + k,14}"));
        text.AppendLine();
        foreach (var row in Rows)
        {
            text.Append(Invariant($"{row.Method,-14}{row.Pairs,-19}{row.Loss,-13}"));
            foreach (var c in columns)
                for (int k = 0; k < 3; k++) text.Append(Invariant($"{row.Recall[c.Offset + k],14:F1}"));
            text.AppendLine();
        }
        text.AppendLine();
        text.AppendLine($"Ours on {dataset} (each command trains its modes with the same settings and seeds and prints Recall@K side by side):");
        foreach (var command in Commands(dataset, extra)) text.AppendLine("  " + command);
        return text.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
