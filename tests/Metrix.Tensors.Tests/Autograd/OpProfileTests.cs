using Metrix.Tensors;

namespace Metrix.Tensors.Tests;

/// <summary>The operation profile counts every recorded call by name and output shape, forward and backward.</summary>
public sealed class OpProfileTests
{
    [Fact]
    public void Counts_calls_and_times_by_operation_and_shape()
    {
        var profile = new OpProfile();
        try
        {
            OpProfile.Current = profile;
            using var scope = new TensorScope();
            var rng = new Rng(1);
            var x = rng.Normal([2, 3, 8, 8]).RequireGrad();
            var w = rng.Normal([4, 3, 3, 3]).RequireGrad();
            OpProfile.Mark();
            var y = Ops.Relu(Ops.Conv2d(x, w, null, 1, 1));
            Ops.Sum(y).Backward();
        }
        finally { OpProfile.Current = null; }
        var entries = profile.Entries();
        // Other tests may run operations meanwhile (the profile is process-wide): look for this one's shape.
        var conv = Assert.Single(entries, e => e.Op == "conv2d" && e.Shape == "[2, 4, 8, 8]");
        Assert.True(conv.Calls >= 1);
        Assert.True(conv.ForwardMs >= 0 && conv.BackwardMs > 0);
        Assert.Contains(entries, e => e.Op == "relu" && e.Shape == "[2, 4, 8, 8]" && e.Calls >= 1);
    }
}
