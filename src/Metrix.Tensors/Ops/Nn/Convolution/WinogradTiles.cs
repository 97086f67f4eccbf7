namespace Metrix.Tensors;

/// <summary>
/// Output tiles of F(2×2, 3×3) over maps H×W: ⌈H/2⌉×⌈W/2⌉ per image, tile t = (n, i, j) covering output rows 2i, 2i+1
/// and columns 2j, 2j+1.
/// </summary>
internal readonly record struct WinogradTiles(int N, int H, int W)
{
    public int TilesH => (H + 1) / 2;
    public int TilesW => (W + 1) / 2;
    public int PerImage => TilesH * TilesW;
    public int Count => N * PerImage;

    /// <summary>
    /// The distance between the 16 matrices of a transform that are <paramref name="floats"/> long: one cache line more,
    /// so that the 16 rows a transform writes or reads at once fall in different cache sets (sizes that are multiples of
    /// 4 KB would put all 16 in one set and evict each other).
    /// </summary>
    public static long Skewed(long floats) => floats + 16;

    /// <summary>
    /// offsets[t] = n·channels·Hp·Wp + 2i·Wp + 2j: where tile t's 2·<paramref name="border"/>+2 square patch starts in
    /// a copy of the maps with <paramref name="border"/> zeros above and left, of Hp×Wp = (2⌈H/2⌉ + 2·border)². The
    /// array runs 8 past a multiple of <paramref name="multiple"/>, so that groups of 8 from any tile stay inside; the
    /// extra tiles read the first patch.
    /// </summary>
    public int[] PatchOffsets(int channels, int border, int multiple)
    {
        int hp = 2 * TilesH + 2 * border, wp = 2 * TilesW + 2 * border, perImage = PerImage;
        var offsets = new int[(Count + multiple - 1) / multiple * multiple + 8];
        for (int t = 0; t < Count; t++)
        {
            int n = t / perImage, i = t % perImage / TilesW, j = t % TilesW;
            offsets[t] = checked(n * channels * hp * wp + 2 * i * wp + 2 * j);
        }
        return offsets;
    }
}
