using Metrix.Losses;
using Metrix.Mixup;
using Metrix.Nn;
using Metrix.Tensors;

namespace Metrix.Tests;

/// <summary>
/// What the real objective (<see cref="MetrixObjective.Compute"/>) mixes and how it labels the mixes, read back from
/// what it produced rather than from the code that built it: the mixed embeddings it kept are decomposed into the
/// batch rows they blend, and the recorded (similarity, soft label) of every mixed pair is compared with the
/// similarity of each proxy to each mix and the share of the proxy's class in that mix.
/// </summary>
public sealed class ObjectiveMixesTests
{
    private static readonly int[] Labels = [0, 0, 0, 1, 1, 1, 2, 2];

    private static EmbeddingNet Net()
    {
        var net = new EmbeddingNet("resnet18", 8, true, new Rng(1), width: 4);
        net.FreezeBatchNorm();
        return net;
    }

    /// <summary>
    /// Proxy losses (proxy anchor: proxies are the anchors; ProxyNCA and ProxyNCA++: the mixes are) relate every kept
    /// mix to every proxy, with the soft label "share of the proxy's class in the mix": λ for the class of the row
    /// mixed with weight λ, 1 − λ for the other row's, 0 for the rest.
    /// </summary>
    [Theory]
    [InlineData("proxyanchor", PairSet.PosNeg)]
    [InlineData("proxyanchor", PairSet.AncNeg)]
    [InlineData("proxynca", PairSet.PosNeg)]
    [InlineData("proxynca++", PairSet.AncNeg)]
    public void Proxy_losses_label_every_proxy_mix_pair_with_the_class_share_of_the_mix(string lossName, PairSet set)
    {
        var net = Net();
        var loss = LossFactory.Create(lossName, 3, 8, new Rng(2));
        using var scope = new TensorScope();
        var images = new Rng(3).Normal([8, 3, 32, 32]);
        var step = MetrixObjective.Compute(net, images, Labels, loss, new MixupOptions(MixMode.Embed, [set]), new Rng(5),
            keepMixedEmbeddings: true, recordPairs: true);
        float lambda = (float)step.Lambda!.Value;
        Assert.True(Math.Abs(lambda - 0.5) > 0.05, $"λ = {lambda} is too close to ½ to tell the two rows of a mix apart");
        var (labels, _, similarity) = step.MixedPairs!.Value;
        var mixed = step.MixedEmbeddings!;
        int mixes = mixed.Dim(0);
        Assert.True(mixes > 0);
        Assert.True(mixes <= 4 * Labels.Length, $"{mixes} mixes: proxy losses keep at most 4 per image");

        var e = net.Forward(images).ToArray();
        var proxies = Ops.L2Normalize(loss.Parameters[0].Tensor).ToArray();
        var x = mixed.ToArray();
        var expected = new List<(double S, float Y)>();
        for (int m = 0; m < mixes; m++)
        {
            var (i, j) = Decompose(x.AsSpan(m * 8, 8), e, lambda);
            Assert.NotEqual(Labels[i], Labels[j]); // pos-neg and anc-neg mixes blend two classes
            for (int k = 0; k < 3; k++)
            {
                float share = (Labels[i] == k ? lambda : 0f) + (Labels[j] == k ? 1 - lambda : 0f);
                expected.Add((Dot(proxies.AsSpan(k * 8, 8), x.AsSpan(m * 8, 8)), share));
            }
        }
        Assert.Equal(expected.Count, labels.Length);
        var recorded = similarity.Zip(labels, (s, y) => (S: s, Y: y)).OrderBy(p => p.S).ToArray();
        var wanted = expected.OrderBy(p => p.S).ToArray();
        for (int t = 0; t < wanted.Length; t++)
        {
            Assert.True(Math.Abs(wanted[t].S - recorded[t].S) < 1e-5, $"pair {t}: similarity {recorded[t].S}, no proxy–mix pair has it (nearest {wanted[t].S})");
            Assert.True(Math.Abs(wanted[t].Y - recorded[t].Y) < 1e-6, $"pair with similarity {wanted[t].S:F5}: soft label {recorded[t].Y}, the mix holds {wanted[t].Y} of the proxy's class");
        }
    }

    /// <summary>
    /// Input mixup mixes each anchor only with its <c>--hard_negatives</c> negatives of largest clean similarity:
    /// anc-neg mixes (a, q) for the 3 hardest q of a, pos-neg (p, q) for the positives p of a and the same q. The
    /// mixed images are identified by running the network on every candidate blend.
    /// </summary>
    [Theory]
    [InlineData(PairSet.AncNeg)]
    [InlineData(PairSet.PosNeg)]
    public void Input_mixup_mixes_each_anchor_with_its_hardest_negatives(PairSet set)
    {
        var net = Net();
        using var scope = new TensorScope();
        var images = new Rng(3).Normal([8, 3, 32, 32]);
        var step = MetrixObjective.Compute(net, images, Labels, new ContrastiveLoss(), new MixupOptions(MixMode.Input, [set], HardNegatives: 3), new Rng(5),
            keepMixedEmbeddings: true);
        float lambda = (float)step.Lambda!.Value;
        var mixed = step.MixedEmbeddings!.ToArray();
        int mixes = step.MixedEmbeddings!.Dim(0);

        // The hardest negatives, from the clean embeddings' similarities.
        var e = net.Forward(images).ToArray();
        var hardest = new int[8][];
        for (int a = 0; a < 8; a++)
            hardest[a] = Enumerable.Range(0, 8).Where(q => Labels[q] != Labels[a])
                .OrderByDescending(q => Dot(e.AsSpan(a * 8, 8), e.AsSpan(q * 8, 8))).Take(3).ToArray();
        var expected = new HashSet<(int, int)>();
        for (int a = 0; a < 8; a++)
            foreach (int q in hardest[a])
                if (set == PairSet.AncNeg) expected.Add((a, q));
                else
                    foreach (int p in Enumerable.Range(0, 8).Where(p => p != a && Labels[p] == Labels[a])) expected.Add((p, q));
        Assert.True(expected.Count < (set == PairSet.AncNeg ? 6 * 5 + 2 * 6 : 56), "the hardest negatives must be a proper subset here");

        // Every blend of two rows of different classes through the network; each kept mix must be one of them.
        var candidates = new List<(int, int)>();
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                if (Labels[i] != Labels[j]) candidates.Add((i, j));
        var blended = net.Forward(MixOps.MixRows(images, candidates.Select(c => c.Item1).ToArray(), candidates.Select(c => c.Item2).ToArray(), lambda)).ToArray();
        var found = new HashSet<(int, int)>();
        for (int m = 0; m < mixes; m++)
        {
            var row = mixed.AsSpan(m * 8, 8);
            int best = 0;
            for (int c = 1; c < candidates.Count; c++)
                if (Distance(row, blended.AsSpan(c * 8, 8)) < Distance(row, blended.AsSpan(best * 8, 8))) best = c;
            Assert.True(Distance(row, blended.AsSpan(best * 8, 8)) < 1e-4, $"mix {m} is no blend of two batch rows with λ = {lambda}");
            found.Add(candidates[best]);
        }
        Assert.Equal(mixes, found.Count);
        Assert.Equal(expected.Order(), found.Order());
    }

    /// <summary>The rows (i, j) of the batch with <paramref name="row"/> = λ·e_i + (1 − λ)·e_j.</summary>
    private static (int I, int J) Decompose(ReadOnlySpan<float> row, float[] e, float lambda)
    {
        int d = row.Length, n = e.Length / d;
        (int, int) best = (-1, -1);
        double bestDistance = double.MaxValue;
        var blend = new float[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                for (int t = 0; t < d; t++) blend[t] = lambda * e[i * d + t] + (1 - lambda) * e[j * d + t];
                double distance = Distance(row, blend);
                if (distance < bestDistance) (best, bestDistance) = ((i, j), distance);
            }
        Assert.True(bestDistance < 1e-5, $"a mixed embedding is no blend of two batch rows with λ = {lambda}");
        return best;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => System.Numerics.Tensors.TensorPrimitives.Distance(a, b);
}
