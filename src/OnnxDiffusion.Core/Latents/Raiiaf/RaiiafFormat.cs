namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// Constants of the RAIIAF 1.0 container (the <c>raiiaf</c> Python package): magic, header sizes, chunk type
/// codes, flags and the validation limits shared by reader and writer. The byte layout is described in this
/// folder's README.md.
/// </summary>
public static class RaiiafFormat
{
    /// <summary>File extension, including the dot.</summary>
    public const string Extension = ".raiiaf";

    /// <summary>Format version we write: major.</summary>
    public const byte VersionMajor = 1;

    /// <summary>Format version we write: minor.</summary>
    public const byte VersionMinor = 0;

    /// <summary>Size of the current header (struct <c>&lt;6sBBBIIIQI</c>).</summary>
    public const int HeaderSize = 33;

    /// <summary>Size of the older header with a u32 file size (struct <c>&lt;6sBBBIIIII</c>), read only.</summary>
    public const int LegacyHeaderSize = 29;

    /// <summary>Size of a chunk header (struct <c>&lt;4s 4s I</c>: type, flags, uncompressed payload size).</summary>
    public const int ChunkHeaderSize = 12;

    /// <summary>Chunk type of a latent array.</summary>
    public const string LatentType = "LATN";

    /// <summary>Chunk type of the embedded PNG image.</summary>
    public const string ImageType = "DATA";

    /// <summary>Chunk type of the environment description (JSON).</summary>
    public const string EnvironmentType = "ENVC";

    /// <summary>Chunk type of the manifest (JSON), always last and not counted in the chunk table.</summary>
    public const string ManifestType = "META";

    /// <summary>Latent flags for float16 storage (on disk <c>F16\0</c>).</summary>
    public const string Float16Flags = "F16";

    /// <summary>Latent flags for float32 storage (on disk <c>F32\0</c>).</summary>
    public const string Float32Flags = "F32";

    /// <summary>Flags of every non-latent chunk: the ASCII digits <c>0000</c>, not NUL bytes.</summary>
    public const string PlainFlags = "0000";

    /// <summary>Largest size of any latent dimension (upstream <c>max_dimension_size</c>).</summary>
    public const int MaxDimension = 8192;

    /// <summary>Largest number of elements in one latent (upstream cap, a guard against memory bombs).</summary>
    public const long MaxElements = 100_000_000;

    /// <summary>Largest number of chunk records in a manifest (upstream <c>MAX_CHUNKS</c>).</summary>
    public const int MaxChunks = 1000;

    /// <summary>Largest decompressed manifest (JSON plus chunk header) we accept.</summary>
    public const int MaxManifestBytes = 64 << 20;

    /// <summary>Largest decompressed image or environment chunk we accept.</summary>
    public const long MaxBlobBytes = 1L << 30;

    /// <summary>Magic bytes at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "raiiaf"u8;
}
