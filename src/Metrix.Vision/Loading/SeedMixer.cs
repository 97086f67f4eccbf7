namespace Metrix.Vision.Loading;

/// <summary>Derives independent seeds from a run seed and coordinates (epoch, batch, position) with SplitMix64, so every draw is reproducible whatever the thread count.</summary>
public static class SeedMixer
{
    /// <summary>A seed for <paramref name="seed"/> at the given coordinates.</summary>
    public static ulong Mix(ulong seed, params ReadOnlySpan<long> coordinates)
    {
        ulong h = Scramble(seed ^ 0x9E3779B97F4A7C15UL);
        foreach (var c in coordinates) h = Scramble(h ^ (ulong)c * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        return h;
    }

    private static ulong Scramble(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
