namespace Metrix.Evaluation;

/// <summary>Partial selection on <see cref="NeighbourKey"/> arrays (all keys distinct, larger = better).</summary>
internal static class TopKSelect
{
    /// <summary>
    /// Rearranges <paramref name="keys"/> so that its first <paramref name="k"/> entries are the k largest
    /// and entry k−1 is the k-th largest (nth-element); the order inside each side is unspecified.
    /// Quickselect with a median-of-three pivot, expected linear time.
    /// </summary>
    public static void Largest(Span<ulong> keys, int k)
    {
        int lo = 0, hi = keys.Length - 1, target = k - 1;
        if (target < 0 || target > hi) return;
        while (hi > lo)
        {
            int mid = lo + ((hi - lo) >> 1);
            // Median of three, moved to keys[hi] as the pivot.
            if (keys[mid] > keys[lo]) (keys[mid], keys[lo]) = (keys[lo], keys[mid]);
            if (keys[hi] > keys[lo]) (keys[hi], keys[lo]) = (keys[lo], keys[hi]);
            if (keys[mid] > keys[hi]) (keys[mid], keys[hi]) = (keys[hi], keys[mid]);
            ulong pivot = keys[hi];
            // Partition in descending order: keys greater than the pivot go left.
            int store = lo;
            for (int i = lo; i < hi; i++)
            {
                if (keys[i] > pivot)
                {
                    (keys[i], keys[store]) = (keys[store], keys[i]);
                    store++;
                }
            }
            (keys[store], keys[hi]) = (keys[hi], keys[store]);
            if (store == target) return;
            if (store < target) lo = store + 1;
            else hi = store - 1;
        }
    }

    /// <summary>Sorts <paramref name="keys"/> in descending key order (best neighbour first).</summary>
    public static void SortDescending(Span<ulong> keys)
    {
        keys.Sort();
        keys.Reverse();
    }
}
