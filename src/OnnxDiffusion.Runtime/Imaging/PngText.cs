using System.Buffers.Binary;
using System.Text;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// Adds and reads PNG <c>tEXt</c> chunks (keyword, Latin-1 text) — how ComfyUI and A1111 store the prompt,
/// workflow and generation parameters. Chunks are inserted right before <c>IEND</c> with their CRC-32.
/// </summary>
public static class PngText
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Returns a copy of <paramref name="png"/> with one tEXt chunk per entry added before IEND.</summary>
    /// <exception cref="ArgumentException">The bytes are not a PNG with an IEND chunk, or a keyword is invalid.</exception>
    public static byte[] Insert(ReadOnlySpan<byte> png, IEnumerable<KeyValuePair<string, string>> entries)
    {
        int iend = FindChunk(png, "IEND");
        using var output = new MemoryStream(png.Length + 1024);
        output.Write(png[..iend]);
        foreach (var (keyword, text) in entries)
        {
            if (keyword.Length is < 1 or > 79 || keyword.Contains('\0'))
            {
                throw new ArgumentException($"PNG keyword '{keyword}' must be 1-79 characters without NUL.");
            }

            byte[] data = [.. Encoding.Latin1.GetBytes(keyword), 0, .. Encoding.Latin1.GetBytes(text)];
            WriteChunk(output, "tEXt", data);
        }

        output.Write(png[iend..]);
        return output.ToArray();
    }

    /// <summary>Reads every tEXt chunk of <paramref name="png"/> (keyword → text; the first of duplicates wins).</summary>
    public static Dictionary<string, string> Read(ReadOnlySpan<byte> png)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        int pos = CheckSignature(png);
        while (pos + 12 <= png.Length)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png[pos..]));
            if (length < 0 || pos + 12 + (long)length > png.Length)
            {
                throw new ArgumentException("PNG chunk length runs past the end of the file.");
            }

            string type = Encoding.ASCII.GetString(png.Slice(pos + 4, 4));
            ReadOnlySpan<byte> data = png.Slice(pos + 8, length);
            if (type == "tEXt")
            {
                int zero = data.IndexOf((byte)0);
                if (zero > 0)
                {
                    result.TryAdd(Encoding.Latin1.GetString(data[..zero]), Encoding.Latin1.GetString(data[(zero + 1)..]));
                }
            }

            if (type == "IEND")
            {
                break;
            }

            pos += 12 + length;
        }

        return result;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        output.Write(header);
        output.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, header[4..]), data) ^ 0xFFFFFFFFu;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        output.Write(crcBytes);
    }

    private static int CheckSignature(ReadOnlySpan<byte> png)
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(Signature))
        {
            throw new ArgumentException("Not a PNG file (bad signature).");
        }

        return 8;
    }

    private static int FindChunk(ReadOnlySpan<byte> png, string wanted)
    {
        int pos = CheckSignature(png);
        while (pos + 12 <= png.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            if (Encoding.ASCII.GetString(png.Slice(pos + 4, 4)) == wanted)
            {
                return pos;
            }

            pos = checked((int)(pos + 12 + length));
        }

        throw new ArgumentException($"PNG has no {wanted} chunk.");
    }
}
