using System.Buffers.Binary;
using OnnxDiffusion.Core.Errors;
using ZstdSharp;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// One-shot zstd frames as python-zstandard's <c>ZstdCompressor().compress</c> writes them: the content size is
/// always in the frame header (python-zstandard's <c>decompress()</c> refuses frames without it), no checksum.
/// Decompression treats the frame as untrusted: it needs the content size, checks it against a cap and against
/// the largest ratio zstd can reach before allocating, and must produce exactly that many bytes.
/// </summary>
internal static class ZstdFrames
{
    /// <summary>Level python-zstandard uses by default and RAIIAF uses for every frame.</summary>
    internal const int DefaultLevel = 3;

    /// <summary>
    /// Upper bound of zstd's expansion: a 128 KiB block stored as an RLE block takes 4 bytes, so no frame decodes
    /// to more than 32,768 bytes per input byte.
    /// </summary>
    private const long MaxRatio = 32_768;

    /// <summary>Compresses <paramref name="data"/> into one frame that carries its content size.</summary>
    internal static byte[] Compress(ReadOnlySpan<byte> data, int level = DefaultLevel)
    {
        using var compressor = new Compressor(level);
        compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_contentSizeFlag, 1);
        compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 0);
        return compressor.Wrap(data).ToArray();
    }

    /// <summary>Largest block zstd allows (128 KiB).</summary>
    private const int MaxBlockSize = 128 * 1024;

    /// <summary>
    /// One frame of raw (stored, uncompressed) blocks that carries its content size: what any zstd decoder reads,
    /// and whose length is an exact function of <paramref name="data"/>'s length (see <see cref="StoredLength"/>).
    /// Single-segment frame, 4-byte content size, no checksum.
    /// </summary>
    internal static byte[] Store(ReadOnlySpan<byte> data)
    {
        if ((ulong)data.Length > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(data), data.Length, "A stored frame holds at most 4 GiB.");
        }

        byte[] frame = new byte[StoredLength(data.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 0xFD2FB528);   // frame magic
        frame[4] = 0xA0;                                              // FCS field 4 bytes, single segment
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), (uint)data.Length);
        int at = 9;
        int done = 0;
        do
        {
            int size = Math.Min(MaxBlockSize, data.Length - done);
            bool last = done + size == data.Length;
            uint blockHeader = (uint)(size << 3) | (last ? 1u : 0u);   // block type 0 = raw
            frame[at] = (byte)blockHeader;
            frame[at + 1] = (byte)(blockHeader >> 8);
            frame[at + 2] = (byte)(blockHeader >> 16);
            data.Slice(done, size).CopyTo(frame.AsSpan(at + 3));
            at += 3 + size;
            done += size;
        }
        while (done < data.Length);

        return frame;
    }

    /// <summary>Length of <see cref="Store"/>'s frame for <paramref name="contentLength"/> bytes (never decreases
    /// as the content grows).</summary>
    internal static long StoredLength(long contentLength) =>
        9 + contentLength + 3 * Math.Max(1, (contentLength + MaxBlockSize - 1) / MaxBlockSize);

    /// <summary>
    /// Decompresses one frame whose declared content size must be at most <paramref name="maxContentSize"/>.
    /// Throws <see cref="ModelFormatException"/> naming <paramref name="what"/> for anything malformed.
    /// </summary>
    internal static byte[] Decompress(ReadOnlySpan<byte> frame, long maxContentSize, string what)
    {
        ulong declared;
        try
        {
            declared = Decompressor.GetDecompressedSize(frame);
        }
        catch (ZstdException ex)
        {
            throw Corrupt(what, $"it is not a zstd frame ({ex.Message})", ex);
        }

        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest ulong values.
        if (declared >= ulong.MaxValue - 1)
        {
            throw Corrupt(what, declared == ulong.MaxValue
                ? "the zstd frame does not declare its content size (RAIIAF readers need it)"
                : "it is not a zstd frame");
        }

        if (declared > (ulong)maxContentSize || declared > (ulong)frame.Length * MaxRatio)
        {
            throw Corrupt(what, $"the zstd frame declares {declared} bytes, more than the {maxContentSize} allowed " +
                                $"or than {frame.Length} compressed bytes can hold");
        }

        byte[] output = new byte[declared];
        int written;
        try
        {
            using var decompressor = new Decompressor();
            written = decompressor.Unwrap(frame, output);
        }
        catch (Exception ex) when (ex is ZstdException or ArgumentException or InvalidOperationException)
        {
            throw Corrupt(what, $"the zstd frame is damaged ({ex.Message})", ex);
        }

        if ((ulong)written != declared)
        {
            throw Corrupt(what, $"the zstd frame declares {declared} bytes but decodes to {written}");
        }

        return output;
    }

    private static ModelFormatException Corrupt(string what, string detail, Exception? inner = null) =>
        new($"{what}: {detail}. The file is damaged or truncated.", inner);
}
