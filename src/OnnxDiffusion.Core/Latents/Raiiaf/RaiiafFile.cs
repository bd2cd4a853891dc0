using System.Security.Cryptography;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// An open RAIIAF file, loaded lazily: <see cref="Open(string)"/> reads only the header and the manifest (and
/// validates both, including that every chunk lies inside the file without overlapping another); each latent,
/// image or environment chunk is read by offset when asked for, decoded and checked against its sha256. Reads
/// the 33-byte header and the older 29-byte one. Thread-safe: reads of the shared stream are serialized.
/// Owns the stream unless opened with <c>leaveOpen</c>.
/// </summary>
public sealed class RaiiafFile : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Lock _lock = new();
    private bool _disposed;

    private RaiiafFile(Stream stream, bool leaveOpen, string source, RaiiafHeader header, RaiiafManifest manifest)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Source = source;
        Header = header;
        Manifest = manifest;
        Latents = [.. manifest.Chunks.Where(c => c.Latent is not null)];
    }

    /// <summary>Name used in messages: the path, or the name passed to <see cref="Open(Stream, bool, string?)"/>.
    /// </summary>
    public string Source { get; }

    /// <summary>The file header.</summary>
    public RaiiafHeader Header { get; }

    /// <summary>The parsed manifest.</summary>
    public RaiiafManifest Manifest { get; }

    /// <summary>All chunk records, manifest order.</summary>
    public IReadOnlyList<RaiiafChunkRecord> Chunks => Manifest.Chunks;

    /// <summary>The LATN records, manifest order (the order <see cref="ReadLatent(int)"/> indexes).</summary>
    public IReadOnlyList<RaiiafChunkRecord> Latents { get; }

    /// <summary>Opens <paramref name="path"/> and reads its header and manifest.</summary>
    /// <exception cref="ModelFormatException">The header or manifest is malformed.</exception>
    public static RaiiafFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        try
        {
            return Open(stream, leaveOpen: false, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Opens a seekable, readable stream positioned anywhere; reads header and manifest only.</summary>
    public static RaiiafFile Open(Stream stream, bool leaveOpen = false, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("RAIIAF needs a readable, seekable stream.", nameof(stream));
        }

        string source = name ?? "RAIIAF stream";
        long length = stream.Length;
        byte[] head = ReadAt(stream, 0, (int)Math.Min(length, RaiiafFormat.HeaderSize), source, "header");
        RaiiafHeader header = RaiiafHeader.Parse(head, length, source);
        byte[] metaFrame = ReadAt(stream, header.ChunkTableOffset, (int)header.ChunkTableSize, source, "manifest");
        byte[] meta = ZstdFrames.Decompress(metaFrame, RaiiafFormat.MaxManifestBytes, $"{source}: manifest (META)");
        RaiiafManifest manifest = RaiiafManifest.Parse(BlobPayload(meta, RaiiafFormat.ManifestType, source), source);
        CheckLayout(header, manifest, source);
        return new RaiiafFile(stream, leaveOpen, source, header, manifest);
    }

    /// <summary>
    /// Reads, decodes and verifies the <paramref name="latentIndex"/>-th latent (an index into <see cref="Latents"/>).
    /// </summary>
    /// <exception cref="ModelFormatException">The chunk is damaged (frames, zfp stream, values or sha256).</exception>
    public FloatTensor ReadLatent(int latentIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(latentIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(latentIndex, Latents.Count);
        RaiiafChunkRecord record = Latents[latentIndex];
        return RaiiafLatentCodec.Decode(ReadChunk(record), record, Source);
    }

    /// <summary>Reads the latent stored under <paramref name="key"/>.</summary>
    /// <exception cref="InvalidInputException">No latent has that key (the message lists the keys).</exception>
    public FloatTensor ReadLatent(string key)
    {
        for (int i = 0; i < Latents.Count; i++)
        {
            if (Latents[i].Latent!.Key == key)
            {
                return ReadLatent(i);
            }
        }

        throw new InvalidInputException(
            $"{Source} has no latent '{key}'; its keys are: {string.Join(", ", Latents.Select(l => l.Latent!.Key))}.");
    }

    /// <summary>Reads every latent with its key, manifest order.</summary>
    public IReadOnlyList<RaiiafLatent> ReadAllLatents() =>
        [.. Latents.Select((r, i) => new RaiiafLatent(r.Latent!.Key, ReadLatent(i)))];

    /// <summary>The PNG bytes of the first DATA chunk (sha256-verified), or null when there is none.</summary>
    public byte[]? ReadImage() => ReadBlob(RaiiafFormat.ImageType);

    /// <summary>The first ENVC chunk (sha256-verified), or null when there is none.</summary>
    public RaiiafEnvironment? ReadEnvironment()
    {
        RaiiafChunkRecord? record = Chunks.FirstOrDefault(c => c.Type == RaiiafFormat.EnvironmentType);
        return record is null ? null : RaiiafEnvironment.Parse(ReadBlob(record), $"{Source}: {record.Describe()}");
    }

    /// <summary>The on-disk bytes of <paramref name="record"/>'s chunk, exactly <c>compressed_size</c> long.</summary>
    public byte[] ReadChunk(RaiiafChunkRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ReadAt(_stream, record.Offset, (int)record.CompressedSize, Source, record.Describe());
        }
    }

    /// <summary>
    /// What the zfp header of a compressed latent says (mode, tolerance, shape); reads only that header.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="record"/> is not a compressed LATN record.</exception>
    /// <exception cref="ModelFormatException">The zfp header is invalid.</exception>
    public ZfpStreamInfo DescribeZfp(RaiiafChunkRecord record)
    {
        if (record.Latent is null || !record.Compressed)
        {
            throw new ArgumentException("Not a compressed LATN record.", nameof(record));
        }

        long start = record.Offset + record.LenHeader!.Value;
        int length = (int)Math.Min(record.LenData!.Value, 64);
        byte[] head;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            head = ReadAt(_stream, start, length, Source, record.Describe());
        }

        return ZfpCodec.ReadInfo(head, $"{Source}: {record.Describe()}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed && !_leaveOpen)
            {
                _stream.Dispose();
            }

            _disposed = true;
        }
    }

    private byte[]? ReadBlob(string type)
    {
        RaiiafChunkRecord? record = Chunks.FirstOrDefault(c => c.Type == type);
        return record is null ? null : ReadBlob(record);
    }

    private byte[] ReadBlob(RaiiafChunkRecord record)
    {
        string what = $"{Source}: {record.Describe()}";
        byte[] chunk = ReadChunk(record);
        byte[] raw = record.Compressed
            ? ZstdFrames.Decompress(chunk, Math.Min(RaiiafFormat.MaxBlobBytes, record.UncompressedSize + 12), what)
            : chunk;
        byte[] payload = BlobPayload(raw, record.Type, what);
        if (payload.Length != record.UncompressedSize)
        {
            throw new ModelFormatException(
                $"{what}: holds {payload.Length} bytes but the manifest says {record.UncompressedSize}.");
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(payload));
        if (hash != record.Hash)
        {
            throw new ModelFormatException(
                $"{what}: sha256 mismatch: the manifest says {record.Hash} but the payload hashes to {hash}. " +
                "The chunk is damaged.");
        }

        return payload;
    }

    /// <summary>Splits a decompressed chunk into its 12-byte header and the payload the header declares.</summary>
    private static byte[] BlobPayload(byte[] raw, string type, string what)
    {
        if (raw.Length < RaiiafFormat.ChunkHeaderSize)
        {
            throw new ModelFormatException($"{what}: the {type} chunk has {raw.Length} bytes, fewer than its header.");
        }

        RaiiafChunkHeader h = RaiiafChunkHeader.Decode(raw);
        if (h.Type != type || h.Size != raw.Length - RaiiafFormat.ChunkHeaderSize)
        {
            throw new ModelFormatException(
                $"{what}: the chunk header says type \"{h.Type}\" with {h.Size} bytes, but a {type} chunk with " +
                $"{raw.Length - RaiiafFormat.ChunkHeaderSize} bytes follows. The file is damaged.");
        }

        return raw[RaiiafFormat.ChunkHeaderSize..];
    }

    private static void CheckLayout(RaiiafHeader header, RaiiafManifest manifest, string source)
    {
        if (manifest.Chunks.Count != header.ChunkCount)
        {
            throw new ModelFormatException(
                $"{source}: the header lists {header.ChunkCount} chunks but the manifest has {manifest.Chunks.Count}.");
        }

        long previousEnd = header.Size;
        foreach (RaiiafChunkRecord c in manifest.Chunks.OrderBy(c => c.Offset))
        {
            if (c.Offset < previousEnd || c.Offset + c.CompressedSize > header.ChunkTableOffset)
            {
                throw new ModelFormatException(
                    $"{source}: {c.Describe()} at offset {c.Offset} with {c.CompressedSize} bytes overlaps the " +
                    "header, " +
                    $"another chunk or the manifest (chunks lie between byte {header.Size} and " +
                    $"{header.ChunkTableOffset}). The manifest is damaged.");
            }

            previousEnd = c.Offset + c.CompressedSize;
        }
    }

    private static byte[] ReadAt(Stream stream, long offset, int count, string source, string what)
    {
        // Callers pass offsets and sizes already checked against the stream length.
        byte[] buffer = new byte[count];
        stream.Position = offset;
        int read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        if (read != count)
        {
            throw new ModelFormatException(
                $"{source}: {what} at offset {offset} needs {count} bytes but only {read} could be read (truncated).");
        }

        return buffer;
    }
}
