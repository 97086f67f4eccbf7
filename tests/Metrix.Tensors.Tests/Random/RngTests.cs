namespace Metrix.Tensors.Tests;

public sealed class RngTests
{
    [Fact]
    public void Same_seed_gives_the_same_sequence_and_state_restores_it()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        a.Normal();
        var state = a.GetState();
        double next = a.Normal(), after = a.Beta(2, 2);
        a.SetState(state);
        Assert.Equal(next, a.Normal());
        Assert.Equal(after, a.Beta(2, 2));
    }

    [Fact]
    public void Beta_two_two_has_the_right_mean_and_variance()
    {
        // Beta(2,2): mean 1/2, variance ab/((a+b)²(a+b+1)) = 1/20.
        var rng = new Rng(7);
        const int n = 200_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
        {
            double x = rng.Beta(2, 2);
            Assert.InRange(x, 0, 1);
            sum += x;
            sq += x * x;
        }
        double mean = sum / n, variance = sq / n - mean * mean;
        Assert.InRange(mean, 0.497, 0.503);
        Assert.InRange(variance, 0.0490, 0.0510);
    }

    [Fact]
    public void Normal_draws_have_unit_variance()
    {
        var rng = new Rng(8);
        double sum = 0, sq = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++) { double x = rng.Normal(); sum += x; sq += x * x; }
        Assert.InRange(sum / n, -0.01, 0.01);
        Assert.InRange(sq / n, 0.99, 1.01);
    }

    [Fact]
    public void Permutations_and_choices_are_valid()
    {
        var rng = new Rng(9);
        var p = rng.Permutation(50);
        Assert.Equal(Enumerable.Range(0, 50), p.Order());
        var c = rng.Choice(10, 10, replace: false);
        Assert.Equal(Enumerable.Range(0, 10), c.Order());
        Assert.All(rng.Choice(3, 100, replace: true), i => Assert.InRange(i, 0, 2));
        Assert.Throws<ArgumentException>(() => rng.Choice(3, 4, replace: false));
    }
}
