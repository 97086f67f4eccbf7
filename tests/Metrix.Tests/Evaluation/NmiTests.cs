using Metrix.Evaluation;
using Metrix.Testing;

namespace Metrix.Tests;

public sealed class NmiTests
{
    [Fact]
    public void Hand_computed_cases()
    {
        // Joint counts (0,0):2 (0,1):1 (1,1):1 (1,2):2 → I = (2/3)·ln 2; H(U) = ln 2, H(V) = ln 3.
        Assert.Equal(4.0 / 3 * Math.Log(2) / Math.Log(6), Nmi.Score([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 12);
        Assert.Equal(1.0, Nmi.Score([3, 3, 5, 5, 9], [1, 1, 0, 0, 7]), 12); // the same partition under other ids
        Assert.Equal(0.0, Nmi.Score([0, 0, 1, 1], [0, 1, 0, 1]), 12); // independent
        Assert.Equal(1.0, Nmi.Score([4, 4, 4], [2, 2, 2]));
        Assert.Equal(0.0, Nmi.Score([4, 4, 4], [0, 1, 2]));
        Assert.Contains("3 labels but 2 cluster", Assert.Throws<ArgumentException>(() => Nmi.Score([1, 2, 3], [1, 2])).Message);
    }

    [Fact]
    public void Matches_sklearn_on_fixed_assignments()
    {
        var f = Fixtures.Load("retrieval/self").Tensors;
        var labels = f["labels"].ToArray().Select(v => (int)v).ToArray();
        var clusters = f["clusters"].ToArray().Select(v => (int)v).ToArray();
        Assert.Equal(f["nmi_fixed"].Item(), Nmi.Score(labels, clusters), 6);
    }
}
