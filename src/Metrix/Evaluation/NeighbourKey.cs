namespace Metrix.Evaluation;

/// <summary>
/// Packs a (similarity, gallery index) candidate into one 64-bit key whose unsigned order is the ranking
/// order: higher similarity first, and among equal similarities the lower index first.
/// </summary>
/// <remarks>
/// High 32 bits: the float's bits mapped to an unsigned integer that increases with the value (sign bit
/// flipped for positives, all bits flipped for negatives; −0 is folded onto +0 first so that the two
/// zeros tie). Low 32 bits: the bitwise complement of the index, so a lower index gives a larger key.
/// </remarks>
internal static class NeighbourKey
{
    public static ulong Encode(float similarity, int index)
    {
        uint bits = BitConverter.SingleToUInt32Bits(similarity + 0f);
        uint ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)ordered << 32) | ~(uint)index;
    }

    public static float Similarity(ulong key)
    {
        uint ordered = (uint)(key >> 32);
        uint bits = (ordered & 0x8000_0000u) != 0 ? ordered & 0x7FFF_FFFFu : ~ordered;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    public static int Index(ulong key) => (int)~(uint)key;
}
