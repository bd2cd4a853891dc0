using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.IO;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// Writes RAIIAF 1.0 files that the upstream <c>raiiaf</c> package reads: <c>[33-byte header][LATN]*[DATA]?[ENVC]?
/// [META]</c>, no padding, little-endian. Unlike upstream, the manifest's <c>file_info.file_size</c> is exact (the
/// manifest is re-serialized until its own length is stable; see <see cref="SettleManifest"/>). Thread-safe (no
/// shared state).
/// </summary>
public static class RaiiafWriter
{
    /// <summary>Rounds of the compressed manifest before falling back to stored blocks.</summary>
    private const int CompressedRounds = 8;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Writes <paramref name="latents"/> to <paramref name="path"/> atomically (a temporary file in the same folder,
    /// then a rename), replacing any existing file.
    /// </summary>
    /// <exception cref="InvalidInputException">A latent or option cannot be stored (names which and why).</exception>
    /// <exception cref="MissingDependencyException">Compression was requested and libzfp is not installed.</exception>
    public static void Write(string path, IReadOnlyList<RaiiafLatent> latents, RaiiafWriteOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(latents, options);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes the file's bytes to <paramref name="destination"/> (not disposed).</summary>
    public static void Write(
        Stream destination, IReadOnlyList<RaiiafLatent> latents, RaiiafWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(ToBytes(latents, options));
    }

    /// <summary>The complete file as bytes.</summary>
    public static byte[] ToBytes(IReadOnlyList<RaiiafLatent> latents, RaiiafWriteOptions? options = null) =>
        ToBytes(latents, options, CompressedRounds);

    /// <summary>
    /// <see cref="ToBytes(IReadOnlyList{RaiiafLatent}, RaiiafWriteOptions?)"/> with a given number of compressed
    /// manifest rounds (0 forces the stored manifest; tests use it).
    /// </summary>
    internal static byte[] ToBytes(
        IReadOnlyList<RaiiafLatent> latents, RaiiafWriteOptions? options, int compressedRounds)
    {
        ArgumentNullException.ThrowIfNull(latents);
        options ??= new RaiiafWriteOptions();
        CheckOptions(latents, options);
        var chunks = new List<byte[]>();
        var records = new List<RaiiafChunkRecord>();
        long offset = RaiiafFormat.HeaderSize;
        foreach (RaiiafLatent latent in latents)
        {
            EncodedLatent e = RaiiafLatentCodec.Encode(
                latent.Key, latent.Tensor, options.Float16, options.Compress, options.Tolerance);
            records.Add(new RaiiafChunkRecord
            {
                Index = records.Count, Type = RaiiafFormat.LatentType, Offset = offset,
                Flags = options.Float16 ? RaiiafFormat.Float16Flags : RaiiafFormat.Float32Flags,
                CompressedSize = e.Chunk.Length, UncompressedSize = e.UncompressedSize, Hash = e.Hash,
                Compressed = options.Compress, LenHeader = e.LenHeader, LenData = e.LenData,
                Extra = new JsonObject
                {
                    ["shape"] = new JsonArray([.. e.Info.Shape.Select(d => (JsonNode)d)]),
                    ["dtype"] = e.Info.DTypeName,
                    ["key"] = e.Info.Key,
                },
                Latent = e.Info,
            });
            chunks.Add(e.Chunk);
            offset += e.Chunk.Length;
        }

        if (options.Png is { } png)
        {
            offset = AddBlob(chunks, records, RaiiafFormat.ImageType, png, options.ImageExtra, offset);
        }

        if (options.Environment is { } env)
        {
            offset = AddBlob(chunks, records, RaiiafFormat.EnvironmentType, env.ToJsonBytes(), null, offset);
        }

        return Assemble(chunks, records, WithDate(options.ModelInfo), offset, compressedRounds);
    }

    private static byte[] Assemble(
        List<byte[]> chunks, List<RaiiafChunkRecord> records, RaiiafModelInfo modelInfo, long tableOffset,
        int compressedRounds)
    {
        if (tableOffset > uint.MaxValue)
        {
            throw new InvalidInputException(
                $"The latents take {tableOffset} bytes, but RAIIAF offsets are 32-bit (at most 4 GiB). Store fewer " +
                "or smaller latents per file.");
        }

        (byte[] meta, long fileSize) = SettleManifest(
            tableOffset,
            size => ZstdFrames.Compress(ManifestChunk(modelInfo, records, size)),
            size => ZstdFrames.Store(ManifestChunk(modelInfo, records, size)),
            compressedRounds);
        var header = new RaiiafHeader(RaiiafFormat.VersionMajor, RaiiafFormat.VersionMinor, 0, (uint)tableOffset,
            (uint)meta.Length, (uint)records.Count, (ulong)fileSize, 0, RaiiafFormat.HeaderSize);
        byte[] file = new byte[fileSize];
        header.WriteTo(file);
        long at = RaiiafFormat.HeaderSize;
        foreach (byte[] chunk in chunks)
        {
            chunk.CopyTo(file, at);
            at += chunk.Length;
        }

        meta.CopyTo(file, at);
        return file;
    }

    private static byte[] ManifestChunk(
        RaiiafModelInfo modelInfo, List<RaiiafChunkRecord> records, long fileSize)
    {
        byte[] json = RaiiafManifest.Serialize(modelInfo, records, fileSize);
        byte[] metaHeader = RaiiafChunkHeader.Encode(
            RaiiafFormat.ManifestType, RaiiafFormat.PlainFlags, (uint)json.Length);
        return [.. metaHeader, .. json];
    }

    /// <summary>
    /// Finds the META chunk whose stated <c>file_info.file_size</c> equals <paramref name="tableOffset"/> plus its
    /// own length. The compressed encoding is tried first (a few rounds of S → offset + len(compressed(S))); its
    /// length is not monotone in S, so the rounds can cycle (e.g. 1537 ↔ 1538). Then the chunk is stored in raw
    /// zstd blocks, whose length L(S) depends on S only through its digit count and never decreases as S grows:
    /// from S₀ = offset the sequence Sₙ₊₁ = offset + L(Sₙ) never decreases, and it can rise only when L
    /// changes, which happens at most once per digit count, so it reaches a fixed point within 21 rounds.
    /// </summary>
    /// <returns>The META chunk bytes and the file size it states (= offset + chunk length).</returns>
    internal static (byte[] Meta, long FileSize) SettleManifest(
        long tableOffset, Func<long, byte[]> compressed, Func<long, byte[]> stored,
        int compressedRounds = CompressedRounds)
    {
        long size = tableOffset;
        for (int round = 0; round < compressedRounds; round++)
        {
            byte[] meta = compressed(size);
            if (tableOffset + meta.Length == size)
            {
                return (meta, size);
            }

            size = tableOffset + meta.Length;
        }

        size = tableOffset;
        for (int round = 0; round <= 21; round++)
        {
            byte[] meta = stored(size);
            if (tableOffset + meta.Length == size)
            {
                return (meta, size);
            }

            if (tableOffset + meta.Length < size)
            {
                break;   // the stored length shrank as the size grew: the encoder breaks its contract.
            }

            size = tableOffset + meta.Length;
        }

        throw new InvalidOperationException(
            $"The RAIIAF manifest length did not settle (table offset {tableOffset}, last size {size}).");
    }

    private static long AddBlob(
        List<byte[]> chunks, List<RaiiafChunkRecord> records, string type, ReadOnlySpan<byte> payload,
        JsonObject? extra, long offset)
    {
        byte[] header = RaiiafChunkHeader.Encode(type, RaiiafFormat.PlainFlags, checked((uint)payload.Length));
        byte[] chunk = ZstdFrames.Compress([.. header, .. payload]);
        records.Add(new RaiiafChunkRecord
        {
            Index = records.Count, Type = type, Flags = RaiiafFormat.PlainFlags, Offset = offset,
            CompressedSize = chunk.Length, UncompressedSize = payload.Length,
            Hash = Convert.ToHexStringLower(SHA256.HashData(payload)), Compressed = true,
            Extra = (JsonObject?)extra?.DeepClone() ?? [],
        });
        chunks.Add(chunk);
        return offset + chunk.Length;
    }

    private static void CheckOptions(IReadOnlyList<RaiiafLatent> latents, RaiiafWriteOptions options)
    {
        if (latents.Count == 0)
        {
            throw new InvalidInputException("A RAIIAF file needs at least one latent; none were given.");
        }

        if (latents.Count > RaiiafFormat.MaxChunks - 2)
        {
            throw new InvalidInputException(
                $"{latents.Count} latents exceed the {RaiiafFormat.MaxChunks - 2} a RAIIAF file can hold.");
        }

        if (!double.IsFinite(options.Tolerance) || options.Tolerance < 0)
        {
            throw new InvalidInputException(
                $"Tolerance {options.Tolerance} is invalid: use 0 for lossless or a positive absolute error.");
        }

        if (options.Tolerance > 0 && !options.Compress)
        {
            throw new InvalidInputException("Lossy storage (a tolerance above 0) needs compression; enable it.");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (RaiiafLatent latent in latents)
        {
            ArgumentNullException.ThrowIfNull(latent);
            if (!keys.Add(latent.Key))
            {
                throw new InvalidInputException($"Latent key '{latent.Key}' appears twice; keys must be unique.");
            }

            RaiiafValidation.CheckLatent(latent.Key, latent.Tensor, options.Float16);
        }

        if (options.Png is { } png && !png.AsSpan().StartsWith(PngSignature))
        {
            throw new InvalidInputException(
                $"The image ({png.Length} bytes) is not a PNG (no PNG signature); RAIIAF stores PNG images only.");
        }
    }

    private static RaiiafModelInfo WithDate(RaiiafModelInfo info) => info.Date.Length > 0
        ? info
        : info with
        {
            // Python's datetime.now(UTC).isoformat().
            Date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture),
        };
}
