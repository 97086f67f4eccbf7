using System.Text.Json;
using System.Text.Json.Serialization;
using Metrix.Tensors;

namespace Metrix.Analysis;

/// <summary>
/// The analysis measures of a run (docs/method.md#analysis-measures), saved as JSON (snake_case names) in the
/// run directory: alignment and uniformity of the measured embeddings (usually the test set), utilization of
/// the test queries with respect to the clean training embeddings and to clean plus mixed ones.
/// </summary>
public sealed record AnalysisReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Epoch the embeddings come from.</summary>
    public int? Epoch { get; init; }

    /// <summary>Mean ‖f(x) − f(y)‖² over positive pairs (lower: tighter classes).</summary>
    public double? Alignment { get; init; }

    /// <summary>log mean exp(−2‖f(x) − f(y)‖²) over pairs (lower: more uniform).</summary>
    public double? Uniformity { get; init; }

    /// <summary>Mean distance of a test query to its nearest clean training embedding.</summary>
    public double? UtilizationClean { get; init; }

    /// <summary>Mean distance of a test query to its nearest clean or mixed training embedding.</summary>
    public double? UtilizationMixed { get; init; }

    /// <summary>Rows alignment and uniformity were measured on.</summary>
    public int MeasuredEmbeddings { get; init; }

    /// <summary>Clean training embeddings.</summary>
    public int TrainEmbeddings { get; init; }

    /// <summary>Mixed training embeddings (0 without mixup).</summary>
    public int MixedEmbeddings { get; init; }

    /// <summary>Test queries of the utilization.</summary>
    public int TestEmbeddings { get; init; }

    /// <summary>Positivity of mixed embeddings against their soft label (null without mixup data).</summary>
    public IReadOnlyList<PositivityBin>? Positivity { get; init; }

    /// <summary>
    /// Computes every measure: alignment and uniformity of <paramref name="measured"/> (labels
    /// <paramref name="measuredLabels"/>), utilization of <paramref name="test"/> against <paramref name="train"/>
    /// and against train plus <paramref name="mixed"/> (which may be empty). All rows have <paramref name="dim"/> values.
    /// </summary>
    public static AnalysisReport Compute(ReadOnlySpan<float> measured, ReadOnlySpan<int> measuredLabels,
        ReadOnlySpan<float> train, ReadOnlySpan<float> mixed, ReadOnlySpan<float> test, int dim, int? epoch = null)
    {
        var utilization = Utilization.Compute(test, train, mixed, dim);
        return new AnalysisReport
        {
            Epoch = epoch,
            Alignment = EmbeddingMeasures.Alignment(measured, dim, measuredLabels),
            Uniformity = EmbeddingMeasures.Uniformity(measured, dim),
            UtilizationClean = utilization.Clean,
            UtilizationMixed = utilization.Mixed,
            MeasuredEmbeddings = measured.Length / dim,
            TrainEmbeddings = train.Length / dim,
            MixedEmbeddings = mixed.Length / dim,
            TestEmbeddings = test.Length / dim,
        };
    }

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes the JSON to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    /// <summary>Reads a report written by <see cref="Save"/>.</summary>
    public static AnalysisReport Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<AnalysisReport>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: expected an analysis report object, found null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an analysis report ({e.Message})", e);
        }
    }
}
