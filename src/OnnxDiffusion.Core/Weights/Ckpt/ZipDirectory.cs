using System.Buffers.Binary;
using System.Text;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.IO;

namespace OnnxDiffusion.Core.Weights.Ckpt;

/// <summary>One zip member: where its (possibly compressed) bytes lie in the file.</summary>
internal sealed record ZipEntry(string Name, int Method, long CompressedSize, long UncompressedSize, long DataOffset);

/// <summary>
/// Reads the central directory of a zip archive (including ZIP64 records and extra fields) from a memory mapping.
/// Every count, size and offset is checked against the file before use; entries must not overlap the directory.
/// </summary>
internal static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;

    /// <summary>All entries by name.</summary>
    /// <exception cref="ModelFormatException">The archive is truncated, inconsistent or encrypted.</exception>
    public static Dictionary<string, ZipEntry> Read(MappedFile file)
    {
        long end = FindEnd(file);
        ReadOnlySpan<byte> eocd = file.Span(end, 22);
        long count = BinaryPrimitives.ReadUInt16LittleEndian(eocd[10..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(eocd[12..]);
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(eocd[16..]);
        long directoryEnd = end;
        if (end >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(file.Span(end - 20, 4)) == Zip64LocatorSignature)
        {
            (count, size, offset) = ReadZip64End(file, end - 20);
            directoryEnd = end - 20;
        }

        if (offset < 0 || size < 0 || offset > file.Length || size > directoryEnd - offset || count > size / 46)
        {
            throw Fail(file, $"the central directory ({count} entries, {size} bytes at {offset}) does not fit "
                + $"the file");
        }

        var entries = new Dictionary<string, ZipEntry>(StringComparer.Ordinal);
        long position = offset;
        for (long i = 0; i < count; i++)
        {
            ZipEntry entry = ReadCentral(file, ref position, offset + size, offset);
            if (!entries.TryAdd(entry.Name, entry))
            {
                throw Fail(file, $"the entry '{entry.Name}' appears twice");
            }
        }

        return entries;
    }

    private static long FindEnd(MappedFile file)
    {
        long last = file.Length - 22;
        long first = Math.Max(0, last - 65535);
        for (long p = last; p >= first; p--)
        {
            ReadOnlySpan<byte> candidate = file.Span(p, 22);
            if (BinaryPrimitives.ReadUInt32LittleEndian(candidate) == EndSignature
                && BinaryPrimitives.ReadUInt16LittleEndian(candidate[20..]) <= file.Length - p - 22)
            {
                return p;
            }
        }

        throw Fail(file, "no end-of-central-directory record (the file is truncated or not a zip archive)");
    }

    private static (long Count, long Size, long Offset) ReadZip64End(MappedFile file, long locator)
    {
        ulong recordOffset = BinaryPrimitives.ReadUInt64LittleEndian(file.Span(locator + 8, 8));
        if (recordOffset > (ulong)(locator - 56))
        {
            throw Fail(file, $"the ZIP64 end record offset {recordOffset} is out of range");
        }

        ReadOnlySpan<byte> record = file.Span((long)recordOffset, 56);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
        {
            throw Fail(file, $"no ZIP64 end record at offset {recordOffset}");
        }

        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(record[32..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(record[40..]);
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(record[48..]);
        if (count > (ulong)file.Length || size > (ulong)file.Length || offset > (ulong)file.Length)
        {
            throw Fail(file, $"the ZIP64 end record holds impossible values ({count} entries, {size} bytes at "
                + $"{offset})");
        }

        return ((long)count, (long)size, (long)offset);
    }

    private static ZipEntry ReadCentral(MappedFile file, ref long position, long directoryEnd, long dataLimit)
    {
        if (directoryEnd - position < 46)
        {
            throw Fail(file, $"a central directory entry at {position} is truncated");
        }

        ReadOnlySpan<byte> h = file.Span(position, 46);
        if (BinaryPrimitives.ReadUInt32LittleEndian(h) != CentralSignature)
        {
            throw Fail(file, $"no central directory entry signature at {position}");
        }

        int flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
        int method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
        long compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
        long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
        int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
        long local = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
        long total = 46L + nameLength + extraLength + commentLength;
        if (directoryEnd - position < total)
        {
            throw Fail(file, $"a central directory entry at {position} runs past the directory");
        }

        string name = Encoding.UTF8.GetString(file.Span(position + 46, nameLength));
        ApplyZip64(file, file.Span(position + 46 + nameLength, extraLength), name,
            ref uncompressed, ref compressed, ref local);
        position += total;
        if ((flags & 1) != 0)
        {
            throw Fail(file, $"the entry '{name}' is encrypted");
        }

        long dataOffset = LocalDataOffset(file, local, name);
        if (compressed > dataLimit - dataOffset || dataOffset > dataLimit)
        {
            throw Fail(file, $"the entry '{name}' ({compressed} bytes at {dataOffset}) runs into the central "
                + $"directory");
        }

        return new ZipEntry(name, method, compressed, uncompressed, dataOffset);
    }

    private static void ApplyZip64(MappedFile file, ReadOnlySpan<byte> extra, string name,
        ref long uncompressed, ref long compressed, ref long local)
    {
        while (extra.Length >= 4)
        {
            int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (size > extra.Length - 4)
            {
                throw Fail(file, $"the extra field of entry '{name}' is truncated");
            }

            if (id == 0x0001)
            {
                ReadOnlySpan<byte> values = extra.Slice(4, size);
                uncompressed = Next(file, ref values, uncompressed, name);
                compressed = Next(file, ref values, compressed, name);
                local = Next(file, ref values, local, name);
            }

            extra = extra[(4 + size)..];
        }
    }

    private static long Next(MappedFile file, ref ReadOnlySpan<byte> values, long current, string name)
    {
        if (current != uint.MaxValue)
        {
            return current;
        }

        if (values.Length < 8)
        {
            throw Fail(file, $"the ZIP64 extra field of entry '{name}' is too short");
        }

        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(values);
        values = values[8..];
        return value <= (ulong)file.Length ? (long)value
            : throw Fail(file, $"the ZIP64 size or offset {value} of entry '{name}' exceeds the file");
    }

    private static long LocalDataOffset(MappedFile file, long local, string name)
    {
        if (local > file.Length - 30)
        {
            throw Fail(file, $"the local header of entry '{name}' at {local} is out of range");
        }

        ReadOnlySpan<byte> h = file.Span(local, 30);
        if (BinaryPrimitives.ReadUInt32LittleEndian(h) != LocalSignature)
        {
            throw Fail(file, $"no local header signature for entry '{name}' at {local}");
        }

        long dataOffset = local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(h[26..])
            + BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
        return dataOffset <= file.Length ? dataOffset
            : throw Fail(file, $"the local header of entry '{name}' runs past the end of the file");
    }

    private static ModelFormatException Fail(MappedFile file, string what) =>
        new($"{file.Path} is a broken zip archive: {what}. Re-download the checkpoint.");
}
