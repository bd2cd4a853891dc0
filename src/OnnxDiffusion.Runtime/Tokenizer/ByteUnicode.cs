namespace OnnxDiffusion.Runtime.Tokenizer;

/// <summary>
/// GPT-2's reversible byte → printable character map (<c>bytes_to_unicode</c>), used by CLIP's byte-level BPE:
/// printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards in byte order.
/// </summary>
internal static class ByteUnicode
{
    private static readonly char[] s_map = Build();

    /// <summary>The vocabulary character of <paramref name="value"/>.</summary>
    public static char Map(byte value) => s_map[value];

    private static char[] Build()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }

        return map;
    }
}
