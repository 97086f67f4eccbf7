using Metrix.Analysis;
using Metrix.Tensors;
using Metrix.Testing;

namespace Metrix.Tests;

public sealed class AnalysisTests
{
    private static int[] Ints(Tensor t) => t.ToArray().Select(v => (int)v).ToArray();

    [Fact]
    public void Measures_match_numpy()
    {
        var f = Fixtures.Load("retrieval/analysis").Tensors;
        int dim = f["train"].Dim(1);
        Assert.Equal(f["alignment"].Item(), EmbeddingMeasures.Alignment(f["train"].Span, dim, Ints(f["train_labels"])), 5);
        Assert.Equal(f["uniformity"].Item(), EmbeddingMeasures.Uniformity(f["train"].Span, dim), 5);
        var u = Utilization.Compute(f["test"].Span, f["train"].Span, f["mixed"].Span, dim);
        Assert.Equal(f["utilization_clean"].Item(), u.Clean, 5);
        Assert.Equal(f["utilization_mixed"].Item(), u.Mixed!.Value, 5);
        Assert.Equal(u.Clean, Utilization.Compute(f["test"].Span, f["train"].Span, dim), 12);
    }

    [Fact]
    public void Hand_computed_small_cases()
    {
        // Two classes: {(0,0), (3,4)} at squared distance 25, {(1,0)} alone → alignment 25.
        float[] x = [0, 0, 3, 4, 1, 0];
        Assert.Equal(25, EmbeddingMeasures.Alignment(x, 2, [0, 0, 1]), 5);
        // Pairs' squared distances 25, 1, 20 (each twice among ordered pairs) → log((e^−50 + e^−2 + e^−40)/3).
        Assert.Equal(Math.Log((Math.Exp(-50) + Math.Exp(-2) + Math.Exp(-40)) / 3), EmbeddingMeasures.Uniformity(x, 2), 5);
        // Queries (0,1) and (3,3): nearest of {(0,0), (3,4)} at 1 and 1; with the mixed (3,3.5) the second drops to 0.5.
        var u = Utilization.Compute([0, 1, 3, 3], [0, 0, 3, 4], [3, 3.5f], 2);
        Assert.Equal(1, u.Clean, 6);
        Assert.Equal(0.75, u.Mixed!.Value, 6);
        Assert.Null(Utilization.Compute([0, 1], [0, 0], [], 2).Mixed);
        Assert.Contains("two members", Assert.Throws<ArgumentException>(() => EmbeddingMeasures.Alignment(x, 2, [0, 1, 2])).Message);
    }

    [Fact]
    public void Blocked_uniformity_equals_the_double_precision_sum()
    {
        var rng = new Rng(4);
        using var scope = new TensorScope();
        var x = Ops.L2Normalize(rng.Normal([1100, 8])).ToArray();
        double sum = 0;
        for (int i = 0; i < 1100; i++)
            for (int j = 0; j < 1100; j++)
            {
                if (i == j) continue;
                double d2 = 0;
                for (int d = 0; d < 8; d++) d2 += (x[i * 8 + d] - x[j * 8 + d]) * (double)(x[i * 8 + d] - x[j * 8 + d]);
                sum += Math.Exp(-2 * d2);
            }
        Assert.Equal(Math.Log(sum / (1100.0 * 1099)), EmbeddingMeasures.Uniformity(x, 8), 5);
    }

    [Fact]
    public void Reservoir_keeps_everything_until_full_then_a_uniform_sample()
    {
        var sample = new EmbeddingSample(capacity: 100, dim: 1, seed: 9);
        sample.Add(Enumerable.Range(0, 60).Select(i => (float)i).ToArray());
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (float)i), sample.Rows.ToArray());
        var hits = new int[10];
        for (int trial = 0; trial < 200; trial++)
        {
            var s = new EmbeddingSample(100, 1, (ulong)trial);
            s.Add(Enumerable.Range(0, 1000).Select(i => (float)i).ToArray());
            Assert.Equal(100, s.Count);
            Assert.Equal(100, s.Rows.ToArray().Distinct().Count());
            foreach (float v in s.Rows) hits[(int)v / 100]++;
        }
        // Each tenth of the stream should hold about 10% of 20,000 kept rows (binomial sd ≈ 42).
        Assert.All(hits, h => Assert.InRange(h, 1800, 2200));
    }

    [Fact]
    public void Report_round_trips_through_json_and_is_written_atomically()
    {
        var f = Fixtures.Load("retrieval/analysis").Tensors;
        int dim = f["train"].Dim(1);
        var report = AnalysisReport.Compute(f["train"].Span, Ints(f["train_labels"]), f["train"].Span, f["mixed"].Span, f["test"].Span, dim, epoch: 3);
        Assert.Equal(f["alignment"].Item(), report.Alignment!.Value, 5);
        Assert.Equal(f["mixed"].Dim(0), report.MixedEmbeddings);
        var dir = Directory.CreateTempSubdirectory("metrix-analysis");
        try
        {
            var path = Path.Combine(dir.FullName, "analysis.json");
            report.Save(path);
            Assert.Contains("\"utilization_mixed\":", File.ReadAllText(path));
            Assert.Equal(report, AnalysisReport.Load(path));
            File.WriteAllText(path, "[1, 2]");
            Assert.Contains("analysis.json: not an analysis report", Assert.Throws<InvalidDataException>(() => AnalysisReport.Load(path)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
