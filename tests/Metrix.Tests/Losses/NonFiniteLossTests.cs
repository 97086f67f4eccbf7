using Metrix.Losses;
using Metrix.Tensors;

namespace Metrix.Tests;

/// <summary>A loss of NaN or infinite embeddings is NaN, for every loss, so that the trainer's NaN stop sees it.</summary>
public sealed class NonFiniteLossTests
{
    public static TheoryData<string> Names() => [.. LossFactory.Names];

    /// <summary>
    /// The contrastive loss averages the terms that are > 0; a NaN term is not, so before this rule it reported a
    /// finite loss for a batch with a NaN embedding.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void A_non_finite_embedding_makes_the_loss_nan(string name)
    {
        int[] labels = [0, 0, 1, 1, 2, 2];
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
        {
            var e = Ops.L2Normalize(new Rng(1).Normal([6, 4]));
            e.Span[5] = bad;
            var loss = LossFactory.Create(name, 3, 4, new Rng(2));
            Assert.True(double.IsNaN(loss.Clean(e, labels).Item()), $"{name} with a {bad} element");
        }
    }
}
