using Metrix.Search;
using Metrix.Testing;

namespace Metrix.Cli.Tests;

/// <summary>
/// <see cref="ExpansionCalibration"/>: held-out rows are distinct and seeded, and the recall it reports for the
/// chosen expansion is the recall of the held-out rows against a brute-force k-NN of the rows in the graph.
/// </summary>
public sealed class ExpansionCalibrationTests
{
    [Fact]
    public void Held_out_rows_are_distinct_sorted_and_the_same_for_a_seed()
    {
        var a = ExpansionCalibration.HeldOutRows(1000, 100, seed: 3);
        Assert.Equal(100, a.Distinct().Count());
        Assert.Equal(a.Order(), a);
        Assert.All(a, r => Assert.InRange(r, 0, 999));
        Assert.Equal(a, ExpansionCalibration.HeldOutRows(1000, 100, seed: 3));
        Assert.NotEqual(a, ExpansionCalibration.HeldOutRows(1000, 100, seed: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpansionCalibration.HeldOutRows(10, 10, seed: 3));
    }

    [Fact]
    public void Reported_recall_is_the_brute_force_recall_of_the_held_out_rows_at_the_chosen_expansion()
    {
        const int n = 600, dim = 24, k = 10;
        var x = UnitRows.Draw(n, dim, seed: 11);
        var held = ExpansionCalibration.HeldOutRows(n, 50, seed: 5);
        var heldSet = held.ToHashSet();
        var inGraph = Enumerable.Range(0, n).Where(r => !heldSet.Contains(r)).ToArray();
        using var graph = VectorGraph.Create(dim, new GraphOptions(Connectivity: 4, ExpansionAdd: 16));
        graph.AddRows(x, inGraph, threads: 1);

        var choice = ExpansionCalibration.Calibrate(graph, x, held, k, target: 0.95, threads: 1, minExpansion: 16);

        Assert.Equal(choice.Expansion, graph.ExpansionSearch);
        Assert.Equal(choice.Expansion, choice.Tried[^1].Expansion);
        Assert.Equal(choice.Recall, choice.Tried[^1].Recall);
        Assert.Equal(choice.LowerBound, choice.Tried[^1].LowerBound);
        Assert.Equal(choice.Reached, choice.LowerBound >= 0.95);
        // The first ef whose bound, not whose recall, reaches the target.
        Assert.All(choice.Tried.Take(choice.Tried.Count - 1), t => Assert.True(t.LowerBound < 0.95));
        Assert.All(choice.Tried, t => Assert.Equal(ExpansionCalibration.LowerBound((long)Math.Round(t.Recall * held.Length * k), held.Length * k), t.LowerBound, 12));
        Assert.Equal(16, choice.Tried[0].Expansion);
        long hits = 0;
        var keys = new long[k];
        var sims = new float[k];
        foreach (int q in held)
        {
            var truth = inGraph.OrderByDescending(g => Dot(x, q, g, dim)).ThenBy(g => g).Take(k).Select(g => (long)g).ToHashSet();
            int found = graph.Search(x.AsSpan(q * dim, dim), keys, sims);
            hits += keys[..found].Count(truth.Contains);
        }
        Assert.Equal(hits / (double)(held.Length * k), choice.Recall, 9);
    }

    [Fact]
    public void The_lower_bound_is_the_one_sided_95_percent_Wilson_bound()
    {
        // By hand: p = 0.99, n = 1000, z = 1.6449: (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
        Assert.Equal(0.983343, ExpansionCalibration.LowerBound(990, 1000), 6);
        // All hits: 1 / (1 + z²/n), below 1, so a target of 1 is never reached by a sample.
        Assert.Equal(0.999459, ExpansionCalibration.LowerBound(5000, 5000), 6);
        Assert.Equal(0, ExpansionCalibration.LowerBound(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpansionCalibration.LowerBound(11, 10));
    }

    [Fact]
    public void The_first_expansion_tried_is_the_floor_or_k()
    {
        const int n = 400, dim = 8;
        var x = UnitRows.Draw(n, dim, seed: 4);
        var held = ExpansionCalibration.HeldOutRows(n, 20, seed: 1);
        using var graph = VectorGraph.Create(dim, GraphOptions.Default);
        graph.AddRows(x, Enumerable.Range(0, n).Except(held).ToArray(), threads: 1);
        Assert.Equal(ExpansionCalibration.DefaultMinExpansion, ExpansionCalibration.Calibrate(graph, x, held, 10, 0.5, threads: 1).Tried[0].Expansion);
        Assert.Equal(40, ExpansionCalibration.Calibrate(graph, x, held, 40, 0.5, threads: 1, minExpansion: 16).Tried[0].Expansion);
    }

    [Fact]
    public void Rows_that_are_in_the_graph_cannot_be_held_out()
    {
        var x = UnitRows.Draw(100, 8, seed: 2);
        using var graph = VectorGraph.Create(8, GraphOptions.Default);
        graph.Add(x, 0, threads: 1);
        Assert.Throws<ArgumentException>(() => ExpansionCalibration.Calibrate(graph, x, [1, 2, 3], 5, 0.9, threads: 1));
    }

    private static float Dot(float[] x, int a, int b, int dim) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(x.AsSpan(a * dim, dim), x.AsSpan(b * dim, dim));
}
