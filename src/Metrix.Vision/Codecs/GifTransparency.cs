namespace Metrix.Vision.Codecs;

/// <summary>
/// The colour PIL gives the transparent pixels of a GIF's first frame. PIL's <c>convert("RGB")</c> of a
/// palette image ignores transparency and shows the palette entry of the transparent index; Skia leaves
/// those pixels transparent black. This reads the first frame's transparent index and colour table.
/// </summary>
internal static class GifTransparency
{
    /// <summary>The RGB of the first frame's transparent index, or null when it has none (or the file ends first).</summary>
    public static (byte R, byte G, byte B)? ColourOf(ReadOnlySpan<byte> gif)
    {
        if (gif.Length < 13) return null;
        int packed = gif[10];
        int pos = 13;
        byte[]? global = null;
        if ((packed & 0x80) != 0)
        {
            int size = 3 << ((packed & 7) + 1);
            if (pos + size > gif.Length) return null;
            global = gif.Slice(pos, size).ToArray();
            pos += size;
        }
        int transparent = -1;
        while (pos < gif.Length)
        {
            int block = gif[pos++];
            if (block == 0x21) // extension: label, then sub-blocks
            {
                if (pos >= gif.Length) return null;
                int label = gif[pos++];
                if (label == 0xF9 && pos + 5 <= gif.Length && gif[pos] >= 4 && (gif[pos + 1] & 1) != 0) transparent = gif[pos + 4];
                while (pos < gif.Length && gif[pos] != 0) pos += gif[pos] + 1;
                pos++;
            }
            else if (block == 0x2C) // the first image descriptor: its local table, if any, replaces the global one
            {
                if (pos + 9 > gif.Length || transparent < 0) return null;
                int local = gif[pos + 8];
                var table = global;
                if ((local & 0x80) != 0)
                {
                    int size = 3 << ((local & 7) + 1);
                    if (pos + 9 + size > gif.Length) return null;
                    table = gif.Slice(pos + 9, size).ToArray();
                }
                if (table is null || 3 * transparent + 2 >= table.Length) return null;
                return (table[3 * transparent], table[3 * transparent + 1], table[3 * transparent + 2]);
            }
            else
            {
                return null;
            }
        }
        return null;
    }
}
