using System.Buffers.Binary;
using OnnxDiffusion.Core.Errors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// The RAIIAF file header: 33 bytes, little-endian, packed (<c>&lt;6sBBBIIIQI</c>): magic <c>raiiaf</c>, version
/// major/minor, flags, then the offset and size of the META (manifest) chunk, the number of manifest records,
/// the total file size (u64) and a reserved u32. Older files carry a 29-byte header with a u32 file size; both
/// are read, only the 33-byte form is written.
/// </summary>
/// <param name="VersionMajor">Major version (1).</param>
/// <param name="VersionMinor">Minor version (0).</param>
/// <param name="Flags">Header flags (always 0 upstream).</param>
/// <param name="ChunkTableOffset">Absolute byte offset of the META chunk.</param>
/// <param name="ChunkTableSize">Byte length of the (compressed) META chunk.</param>
/// <param name="ChunkCount">Number of manifest records (META itself is not counted).</param>
/// <param name="FileSize">Total file length in bytes.</param>
/// <param name="Reserved">Reserved, 0.</param>
/// <param name="Size">Header length on disk: <see cref="RaiiafFormat.HeaderSize"/> or the legacy 29.</param>
public readonly record struct RaiiafHeader(
    byte VersionMajor, byte VersionMinor, byte Flags, uint ChunkTableOffset, uint ChunkTableSize,
    uint ChunkCount, ulong FileSize, uint Reserved, int Size)
{
    /// <summary>Writes the 33-byte form into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < RaiiafFormat.HeaderSize)
        {
            throw new ArgumentException($"Need {RaiiafFormat.HeaderSize} bytes.", nameof(destination));
        }

        RaiiafFormat.Magic.CopyTo(destination);
        destination[6] = VersionMajor;
        destination[7] = VersionMinor;
        destination[8] = Flags;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[9..], ChunkTableOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[13..], ChunkTableSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[17..], ChunkCount);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[21..], FileSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[29..], Reserved);
    }

    /// <summary>
    /// Parses and validates the header from the first bytes of a file of <paramref name="fileLength"/> bytes
    /// (<paramref name="bytes"/> holds up to 33 bytes). Tells the 29- and 33-byte forms apart by the reserved
    /// word at 29..32, which is zero in the new form and the start of the first chunk (never four zero bytes) in
    /// the old one. Checks magic, version, file size and that the manifest lies inside the file.
    /// </summary>
    /// <exception cref="ModelFormatException">Anything that does not hold.</exception>
    public static RaiiafHeader Parse(ReadOnlySpan<byte> bytes, long fileLength, string source)
    {
        if (bytes.Length < RaiiafFormat.LegacyHeaderSize || fileLength < RaiiafFormat.LegacyHeaderSize)
        {
            throw Bad(source, $"the file has {fileLength} bytes, fewer than the {RaiiafFormat.LegacyHeaderSize}-byte " +
                              "minimum header");
        }

        if (!bytes[..6].SequenceEqual(RaiiafFormat.Magic))
        {
            throw Bad(source, $"the magic is {Describe(bytes[..6])}, not \"raiiaf\"" + Hint(bytes));
        }

        uint tableOffset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[9..]);
        uint tableSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[13..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes[17..]);
        bool legacy = bytes.Length < RaiiafFormat.HeaderSize || tableOffset < RaiiafFormat.HeaderSize
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes[29..]) != 0;
        ulong fileSize = legacy
            ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[21..])
            : BinaryPrimitives.ReadUInt64LittleEndian(bytes[21..]);
        uint reserved = legacy ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[25..]) : 0;
        var header = new RaiiafHeader(bytes[6], bytes[7], bytes[8], tableOffset, tableSize, count, fileSize, reserved,
            legacy ? RaiiafFormat.LegacyHeaderSize : RaiiafFormat.HeaderSize);
        header.Validate(fileLength, source);
        return header;
    }

    private void Validate(long fileLength, string source)
    {
        if (VersionMajor != RaiiafFormat.VersionMajor)
        {
            throw Bad(source, $"format version {VersionMajor}.{VersionMinor} is not supported (this reader handles " +
                              $"{RaiiafFormat.VersionMajor}.x)");
        }

        if (FileSize != (ulong)fileLength)
        {
            throw Bad(source, $"the header says the file has {FileSize} bytes but it has {fileLength} " +
                              "(truncated, or extra bytes appended)");
        }

        if (ChunkCount > RaiiafFormat.MaxChunks)
        {
            throw Bad(source, $"the header lists {ChunkCount} chunks, more than the {RaiiafFormat.MaxChunks} allowed");
        }

        if (ChunkTableOffset < Size || ChunkTableSize == 0
            || (ulong)ChunkTableOffset + ChunkTableSize > (ulong)fileLength
            || ChunkTableSize > RaiiafFormat.MaxManifestBytes)
        {
            throw Bad(source, $"the manifest (META) at offset {ChunkTableOffset} with {ChunkTableSize} bytes does " +
                              $"not lie inside the {fileLength}-byte file after the {Size}-byte header");
        }
    }

    private static string Describe(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexString(bytes);

    private static string Hint(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith("versio"u8) ? " (this looks like a git-lfs pointer, not the file; run `git lfs pull`)"
        : bytes.StartsWith("GEN5"u8) ? " (this is the older GEN5 container, which is not supported)" : "";

    private static ModelFormatException Bad(string source, string detail) =>
        new($"{source}: not a readable RAIIAF file: {detail}.");
}
