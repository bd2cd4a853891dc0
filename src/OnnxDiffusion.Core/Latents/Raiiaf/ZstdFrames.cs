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
