using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace OnnxDiffusion.TestSupport;

/// <summary>
/// A deliberately simple, independent PNG reader/writer for tests (8-bit gray, RGB, RGBA; no interlacing):
/// checks what the product writes without going through the product's own codec.
/// </summary>
public static class NaivePng
{
    /// <summary>A decoded PNG: pixels row-major with <see cref="Channels"/> bytes each, plus tEXt chunks.</summary>
    public sealed record Image(int Width, int Height, int Channels, byte[] Pixels,
        IReadOnlyList<KeyValuePair<string, string>> Texts, IReadOnlyList<string> ChunkOrder);

    /// <summary>Parses <paramref name="png"/> (CRC checked, all five row filters).</summary>
    public static Image Read(byte[] png)
    {
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (!png.AsSpan(0, 8).SequenceEqual(signature))
        {
            throw new InvalidDataException("not a PNG");
        }

        int width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        var texts = new List<KeyValuePair<string, string>>();
        var order = new List<string>();
        int pos = 8;
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            byte[] data = png.AsSpan(pos + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            if (crc != Crc(png.AsSpan(pos + 4, 4 + length)))
            {
                throw new InvalidDataException($"bad CRC in {type}");
            }

            order.Add(type);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
                    if (data[8] != 8 || data[12] != 0)
                    {
                        throw new InvalidDataException("only 8-bit, non-interlaced PNGs");
                    }

                    channels = data[9] switch
                    {
                        0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new InvalidDataException("color type"),
                    };
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "tEXt":
                    int nul = Array.IndexOf(data, (byte)0);
                    texts.Add(new(Encoding.Latin1.GetString(data, 0, nul),
                        Encoding.Latin1.GetString(data, nul + 1, data.Length - nul - 1)));
                    break;
            }

            pos += 12 + length;
            if (type == "IEND")
            {
                break;
            }
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        return new Image(width, height, channels, Unfilter(raw.ToArray(), width, height, channels), texts, order);
    }

    /// <summary>Writes an 8-bit PNG (1, 3 or 4 channels), filter 0, with optional tEXt chunks after IHDR.</summary>
    public static byte[] Write(int width, int height, int channels, byte[] pixels,
        IEnumerable<KeyValuePair<string, string>>? texts = null)
    {
        var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = channels switch { 1 => 0, 3 => 2, 4 => 6, _ => throw new ArgumentException("channels") };
        Chunk(output, "IHDR", ihdr);
        foreach (var (k, v) in texts ?? [])
        {
            Chunk(output, "tEXt", Encoding.Latin1.GetBytes(k + "\0" + v));
        }

        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            raw.Write(pixels, y * width * channels, width * channels);
        }

        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(raw.ToArray());
        }

        Chunk(output, "IDAT", compressed.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Bitwise CRC-32 (no table), for checking chunk CRCs independently.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type, header.AsSpan(4));
        output.Write(header);
        output.Write(data);
        var crcBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, Crc([.. header.AsSpan(4).ToArray(), .. data]));
        output.Write(crcBytes);
    }

    private static byte[] Unfilter(byte[] raw, int width, int height, int bpp)
    {
        int stride = width * bpp;
        var result = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int value = raw[y * (stride + 1) + 1 + x];
                int a = x >= bpp ? result[y * stride + x - bpp] : 0;
                int b = y > 0 ? result[(y - 1) * stride + x] : 0;
                int c = x >= bpp && y > 0 ? result[(y - 1) * stride + x - bpp] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"filter {filter}"),
                };
                result[y * stride + x] = (byte)(value + predictor);
            }
        }

        return result;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
