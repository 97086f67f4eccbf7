using Metrix.Losses;

namespace Metrix.Tests;

/// <summary>The pair lists the losses are evaluated on, against hand-written expectations.</summary>
public sealed class PairsTests
{
    [Fact]
    public void Proxy_pairs_of_mixes_carry_the_interpolated_class_labels()
    {
        // Rows 0..3 of classes 0, 0, 1, 2; mix 0 blends rows 0 and 2, mix 1 rows 3 and 1, λ = 0.3.
        int[] labels = [0, 0, 1, 2];
        var pairs = Pairs.ProxiesToMixes(3, labels, [0, 3], [2, 1], 0.3f);
        Assert.Equal([0, 1, 2, 0, 1, 2], pairs.Anchor);
        Assert.Equal([0, 0, 0, 1, 1, 1], pairs.Candidate);
        Assert.Equal([0.3f, 0.7f, 0f, 0.7f, 0f, 0.3f], pairs.Label);

        var transposed = pairs.Transposed();
        Assert.Equal(pairs.Candidate, transposed.Anchor);
        Assert.Equal(pairs.Anchor, transposed.Candidate);
        Assert.Equal(pairs.Label, transposed.Label);
    }

    [Fact]
    public void A_mix_of_one_class_is_fully_positive_for_its_proxy()
    {
        var pairs = Pairs.ProxiesToMixes(2, [1, 1], [0], [1], 0.25f);
        Assert.Equal([0f, 1f], pairs.Label);
    }
}
