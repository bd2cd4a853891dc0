using System.Buffers.Binary;
using System.Text;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// PNG chunk surgery: inserts and reads <c>tEXt</c> chunks (keyword, NUL, Latin-1 text, CRC-32), which is how
/// ComfyUI stores <c>prompt</c> and <c>workflow</c> in saved images. New chunks go right before the first
/// <c>IDAT</c>, where PIL writes them, so readers that stop at the image data still see them.
/// </summary>
public static class PngChunks
{
    private static readonly byte[] s_signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] s_crcTable = BuildCrcTable();

    /// <summary>CRC-32 (ISO-HDLC, polynomial 0xEDB88320) as used by PNG over chunk type and data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc = s_crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>Returns a copy of <paramref name="png"/> with one <c>tEXt</c> chunk per entry, before IDAT.</summary>
    /// <exception cref="ArgumentException">A keyword is empty or over 79 bytes, or a text is not Latin-1.</exception>
    /// <exception cref="ModelFormatException"><paramref name="png"/> is not a PNG with an IDAT chunk.</exception>
    public static byte[] InsertText(byte[] png, IEnumerable<KeyValuePair<string, string>> entries)
    {
        ArgumentNullException.ThrowIfNull(png);
        ArgumentNullException.ThrowIfNull(entries);
        int idat = FindChunks(png).FirstOrDefault(c => c.Type == "IDAT").Offset;
        if (idat == 0)
        {
            throw new ModelFormatException("PNG data has no IDAT chunk; cannot insert text chunks.");
        }

        using var output = new MemoryStream(png.Length + 1024);
        output.Write(png, 0, idat);
        foreach (var (keyword, text) in entries)
        {
            WriteChunk(output, "tEXt", TextPayload(keyword, text));
        }

        output.Write(png, idat, png.Length - idat);
        return output.ToArray();
    }

    /// <summary>All <c>tEXt</c> chunks as (keyword, text), in file order.</summary>
    /// <exception cref="ModelFormatException">Not a PNG, truncated, or a chunk CRC is wrong.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> ReadText(byte[] png)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var chunk in FindChunks(png))
        {
            if (chunk.Type != "tEXt")
            {
                continue;
            }

            ReadOnlySpan<byte> data = png.AsSpan(chunk.Offset + 8, chunk.Length);
            int nul = data.IndexOf((byte)0);
            if (nul <= 0)
            {
                throw new ModelFormatException($"tEXt chunk at byte {chunk.Offset} has no keyword separator.");
            }

            result.Add(new(Encoding.Latin1.GetString(data[..nul]), Encoding.Latin1.GetString(data[(nul + 1)..])));
        }

        return result;
    }

    /// <summary>Chunks of <paramref name="png"/> (type, byte offset of the length field, data length).</summary>
    /// <exception cref="ModelFormatException">Bad signature, truncation or CRC mismatch.</exception>
    public static IReadOnlyList<(string Type, int Offset, int Length)> FindChunks(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(s_signature))
        {
            throw new ModelFormatException("Data is not a PNG file (bad signature).");
        }

        var chunks = new List<(string, int, int)>();
        int offset = 8;
        while (offset < png.Length)
        {
            if (png.Length - offset < 12)
            {
                throw new ModelFormatException($"PNG is truncated at byte {offset}.");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            if (length > (uint)(png.Length - offset - 12))
            {
                throw new ModelFormatException(
                    $"PNG chunk at byte {offset} claims {length} bytes; the file ends first.");
            }

            string type = Encoding.ASCII.GetString(png, offset + 4, 4);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + (int)length));
            if (crc != Crc32(png.AsSpan(offset + 4, 4 + (int)length)))
            {
                throw new ModelFormatException($"PNG chunk {type} at byte {offset} has a bad CRC.");
            }

            chunks.Add((type, offset, (int)length));
            offset += 12 + (int)length;
            if (type == "IEND")
            {
                break;
            }
        }

        return chunks;
    }

    private static byte[] TextPayload(string keyword, string text)
    {
        if (keyword.Length is < 1 or > 79 || keyword.Any(c => c is < ' ' or > (char)0xFF))
        {
            throw new ArgumentException($"PNG text keyword '{keyword}' must be 1-79 printable Latin-1 characters.");
        }

        if (text.Any(c => c > 0xFF))
        {
            throw new ArgumentException($"PNG tEXt value for '{keyword}' must be Latin-1 (escape it first).");
        }

        var payload = new byte[keyword.Length + 1 + text.Length];
        Encoding.Latin1.GetBytes(keyword, payload);
        Encoding.Latin1.GetBytes(text, payload.AsSpan(keyword.Length + 1));
        return payload;
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        output.Write(header);
        output.Write(data);
        var crcInput = new byte[4 + data.Length];
        header[4..].CopyTo(crcInput);
        data.CopyTo(crcInput, 4);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(crcInput));
        output.Write(crc);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
