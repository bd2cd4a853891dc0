using System.Buffers.Binary;
using System.Text;

namespace OnnxDiffusion.TestSupport;

/// <summary>
/// Writes an uncompressed (stored) zip archive the way PyTorch's writer lays it out: each member's data aligned to
/// 64 bytes with an extra-field pad, CRC-32 filled in, ZIP64 records when sizes or offsets need them (or when
/// forced, to test ZIP64 parsing on small files).
/// </summary>
public static class StoredZipWriter
{
    private static readonly uint[] s_crcTable = BuildCrcTable();

    /// <summary>Writes <paramref name="entries"/> in order to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<(string Name, byte[] Data)> entries, bool forceZip64 = false)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Write(file, entries, forceZip64);
    }

    /// <summary>Writes <paramref name="entries"/> in order to <paramref name="file"/>, starting at its position
    /// 0.</summary>
    public static void Write(Stream file, IReadOnlyList<(string Name, byte[] Data)> entries, bool forceZip64 = false)
    {
        var central = new MemoryStream();
        foreach (var (name, data) in entries)
        {
            long offset = file.Position;
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            bool zip64 = forceZip64 || data.LongLength >= uint.MaxValue || offset >= uint.MaxValue;
            uint crc = Crc32(data);
            int localExtra = zip64 ? 20 : 0;
            int pad = (int)((64 - ((offset + 30 + nameBytes.Length + localExtra + 4) % 64)) % 64);
            var extra = new MemoryStream();
            if (zip64)
            {
                WriteU16(extra, 0x0001);
                WriteU16(extra, 16);
                WriteU64(extra, (ulong)data.LongLength);
                WriteU64(extra, (ulong)data.LongLength);
            }

            WriteU16(extra, 0x4246); // "FB": PyTorch's alignment padding field
            WriteU16(extra, (ushort)pad);
            extra.Write(new byte[pad]);
            WriteLocal(file, nameBytes, extra.ToArray(), crc, zip64 ? uint.MaxValue : (uint)data.Length);
            file.Write(data);
            WriteCentral(central, nameBytes, crc, data.LongLength, offset, zip64);
        }

        WriteEnd(file, central.ToArray(), entries.Count, forceZip64);
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected, as zip uses).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc = s_crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static void WriteLocal(Stream s, byte[] name, byte[] extra, uint crc, uint size)
    {
        WriteU32(s, 0x04034b50);
        WriteU16(s, 45);
        WriteU16(s, 0x0800); // UTF-8 names
        WriteU16(s, 0); // stored
        WriteU16(s, 0);
        WriteU16(s, 0x21); // 1980-01-01: deterministic
        WriteU32(s, crc);
        WriteU32(s, size);
        WriteU32(s, size);
        WriteU16(s, (ushort)name.Length);
        WriteU16(s, (ushort)extra.Length);
        s.Write(name);
        s.Write(extra);
    }

    private static void WriteCentral(Stream s, byte[] name, uint crc, long size, long offset, bool zip64)
    {
        WriteU32(s, 0x02014b50);
        WriteU16(s, 45);
        WriteU16(s, 45);
        WriteU16(s, 0x0800);
        WriteU16(s, 0);
        WriteU16(s, 0);
        WriteU16(s, 0x21);
        WriteU32(s, crc);
        WriteU32(s, zip64 ? uint.MaxValue : (uint)size);
        WriteU32(s, zip64 ? uint.MaxValue : (uint)size);
        WriteU16(s, (ushort)name.Length);
        WriteU16(s, (ushort)(zip64 ? 28 : 0));
        WriteU16(s, 0);
        WriteU16(s, 0);
        WriteU16(s, 0);
        WriteU32(s, 0);
        WriteU32(s, zip64 ? uint.MaxValue : (uint)offset);
        s.Write(name);
        if (zip64)
        {
            WriteU16(s, 0x0001);
            WriteU16(s, 24);
            WriteU64(s, (ulong)size);
            WriteU64(s, (ulong)size);
            WriteU64(s, (ulong)offset);
        }
    }

    private static void WriteEnd(Stream file, byte[] central, int count, bool forceZip64)
    {
        long offset = file.Position;
        file.Write(central);
        bool zip64 = forceZip64 || offset >= uint.MaxValue || count >= 0xFFFF;
        if (zip64)
        {
            long record = file.Position;
            WriteU32(file, 0x06064b50);
            WriteU64(file, 44);
            WriteU16(file, 45);
            WriteU16(file, 45);
            WriteU32(file, 0);
            WriteU32(file, 0);
            WriteU64(file, (ulong)count);
            WriteU64(file, (ulong)count);
            WriteU64(file, (ulong)central.Length);
            WriteU64(file, (ulong)offset);
            WriteU32(file, 0x07064b50);
            WriteU32(file, 0);
            WriteU64(file, (ulong)record);
            WriteU32(file, 1);
        }

        WriteU32(file, 0x06054b50);
        WriteU16(file, 0);
        WriteU16(file, 0);
        WriteU16(file, zip64 ? (ushort)0xFFFF : (ushort)count);
        WriteU16(file, zip64 ? (ushort)0xFFFF : (ushort)count);
        WriteU32(file, zip64 ? uint.MaxValue : (uint)central.Length);
        WriteU32(file, zip64 ? uint.MaxValue : (uint)offset);
        WriteU16(file, 0);
    }

    private static void WriteU16(Stream s, ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteU32(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteU64(Stream s, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        s.Write(b);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
