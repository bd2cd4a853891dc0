using System.Buffers.Binary;
using System.Text;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// The 12-byte chunk header (<c>&lt;4s 4s I</c>): ASCII type, four flag bytes, u32 size of the uncompressed
/// payload (not counting these 12 bytes). Latent flags are <c>F16\0</c>/<c>F32\0</c>; other chunks use the ASCII
/// digits <c>0000</c>.
/// </summary>
/// <param name="Type">Four-character type.</param>
/// <param name="Flags">Flags as text with trailing NULs and whitespace removed (as upstream reads them).</param>
/// <param name="Size">Declared payload size in bytes.</param>
internal readonly record struct RaiiafChunkHeader(string Type, string Flags, uint Size)
{
    /// <summary>Encodes the header; <paramref name="flags"/> is NUL-padded to four bytes.</summary>
    public static byte[] Encode(string type, string flags, uint size)
    {
        byte[] bytes = new byte[RaiiafFormat.ChunkHeaderSize];
        Encoding.ASCII.GetBytes(type, bytes.AsSpan(0, 4));
        Encoding.ASCII.GetBytes(flags, bytes.AsSpan(4, 4));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), size);
        return bytes;
    }

    /// <summary>Decodes the first 12 bytes of <paramref name="bytes"/> (caller checks the length).</summary>
    public static RaiiafChunkHeader Decode(ReadOnlySpan<byte> bytes)
    {
        string type = Printable(bytes[..4]);
        string flags = Printable(bytes[4..8].TrimEnd((byte)0)).Trim();
        return new RaiiafChunkHeader(type, flags, BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..12]));
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }

        return sb.ToString();
    }
}
