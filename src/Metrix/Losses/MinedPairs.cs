namespace Metrix.Losses;

/// <summary>
/// What <see cref="MultiSimilarityMiner"/> kept of a batch: every ordered pair (i, j), i ≠ j, in the order of
/// <see cref="Pairs.AllInBatch"/> with <see cref="Pairs.Keep"/> set, and per anchor the kept positives and
/// negatives (the P(a) and N(a) that mixing draws from when mining is on).
/// </summary>
/// <param name="Pairs">The batch's pairs with the miner's choice.</param>
/// <param name="Positives">Per anchor, the kept positives in batch order.</param>
/// <param name="Negatives">Per anchor, the kept negatives in batch order.</param>
public sealed record MinedPairs(Pairs Pairs, int[][] Positives, int[][] Negatives);
