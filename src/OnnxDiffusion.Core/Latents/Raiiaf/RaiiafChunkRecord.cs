using System.Text.Json.Nodes;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>What a LATN record's <c>extra</c> says about its latent.</summary>
/// <param name="Key">Dict key the latent was stored under (e.g. <c>samples</c>).</param>
/// <param name="Shape">Logical shape, outermost first (4-D <c>[B, C, H, W]</c>; 5-D is our extension).</param>
/// <param name="DType">Stored element type: <see cref="DType.F16"/> or <see cref="DType.F32"/>.</param>
public sealed record RaiiafLatentInfo(string Key, int[] Shape, DType DType)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>Bytes of the raw C-order array in <see cref="DType"/> (2 or 4 per element).</summary>
    public long RawBytes => ElementCount * (DType == DType.F16 ? 2 : 4);

    /// <summary>Shape as text, e.g. <c>[1, 4, 64, 64]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>numpy dtype name as written in the manifest (<c>float16</c> or <c>float32</c>).</summary>
    public string DTypeName => DType == DType.F16 ? "float16" : "float32";
}

/// <summary>
/// One record of the manifest's <c>chunks</c> list: where a chunk lies and how it is stored. Offsets are absolute
/// file offsets; <see cref="CompressedSize"/> is the length on disk, <see cref="UncompressedSize"/> the length of
/// the raw payload (latent array bytes in the stored dtype, PNG bytes or environment JSON bytes) whose sha256 is
/// <see cref="Hash"/>. Immutable except <see cref="Extra"/>, which callers must not modify.
/// </summary>
public sealed record RaiiafChunkRecord
{
    /// <summary>Position in the manifest, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>Four-character type: <c>LATN</c>, <c>DATA</c>, <c>ENVC</c> (others are kept but not decoded).</summary>
    public required string Type { get; init; }

    /// <summary>Flags as text without NUL padding: <c>F16</c>/<c>F32</c> for latents, <c>0000</c> otherwise.</summary>
    public required string Flags { get; init; }

    /// <summary>Absolute byte offset of the chunk.</summary>
    public required long Offset { get; init; }

    /// <summary>Bytes on disk.</summary>
    public required long CompressedSize { get; init; }

    /// <summary>Bytes of the raw payload that <see cref="Hash"/> covers.</summary>
    public required long UncompressedSize { get; init; }

    /// <summary>Lower-case hex sha256 of the raw payload.</summary>
    public required string Hash { get; init; }

    /// <summary>True when compressed: zstd header + zfp payload for latents, one zstd frame otherwise.</summary>
    public required bool Compressed { get; init; }

    /// <summary>LATN: bytes of the zstd-compressed chunk header (or 12 when uncompressed); null for others.</summary>
    public long? LenHeader { get; init; }

    /// <summary>LATN: bytes of the zfp stream (or raw array bytes when uncompressed); null for others.</summary>
    public long? LenData { get; init; }

    /// <summary>The record's <c>extra</c> object as stored (do not modify).</summary>
    public JsonObject Extra { get; init; } = [];

    /// <summary>Latent description parsed from <see cref="Extra"/>; non-null exactly for LATN records.</summary>
    public RaiiafLatentInfo? Latent { get; init; }

    /// <summary>Raw payload bytes / stored bytes (above 1 means the chunk is smaller than its payload).</summary>
    public double CompressionRatio => CompressedSize == 0 ? 0 : (double)UncompressedSize / CompressedSize;

    /// <summary>Short description for messages, e.g. <c>chunk 0 (LATN 'samples')</c>.</summary>
    public string Describe() => Latent is null ? $"chunk {Index} ({Type})" : $"chunk {Index} ({Type} '{Latent.Key}')";
}
