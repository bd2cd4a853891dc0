using System.Runtime.InteropServices;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// P/Invoke declarations for the zfp 1.0 reference library (Debian package <c>libzfp1</c>, soname
/// <c>libzfp.so.1</c>). Only the high-level, accessor-based API is used, so the struct layouts (which changed from
/// uint to size_t between 0.5 and 1.0) never cross the boundary. Call <see cref="ZfpLibrary.EnsureLoaded"/> before
/// any of these: it registers the name mapping and turns a missing library into a typed error.
/// </summary>
internal static unsafe partial class ZfpNative
{
    /// <summary>Logical library name, mapped to the platform file by <see cref="ZfpLibrary"/>.</summary>
    internal const string Library = "zfp";

    /// <summary><c>ZFP_HEADER_FULL</c>: magic, field metadata and compression mode (what zfpy writes).</summary>
    internal const uint HeaderFull = 0x7;

    /// <summary><c>zfp_type_float</c>.</summary>
    internal const int TypeFloat = 3;

    /// <summary><c>zfp_type_double</c>.</summary>
    internal const int TypeDouble = 4;

    /// <summary><c>zfp_mode_fixed_accuracy</c>.</summary>
    internal const int ModeFixedAccuracy = 4;

    /// <summary><c>zfp_mode_reversible</c>.</summary>
    internal const int ModeReversible = 5;

    [LibraryImport(Library, EntryPoint = "stream_open")]
    internal static partial nint BitStreamOpen(void* buffer, nuint bytes);

    [LibraryImport(Library, EntryPoint = "stream_close")]
    internal static partial void BitStreamClose(nint bitStream);

    [LibraryImport(Library, EntryPoint = "zfp_stream_open")]
    internal static partial nint StreamOpen(nint bitStream);

    [LibraryImport(Library, EntryPoint = "zfp_stream_close")]
    internal static partial void StreamClose(nint stream);

    [LibraryImport(Library, EntryPoint = "zfp_stream_set_reversible")]
    internal static partial void StreamSetReversible(nint stream);

    [LibraryImport(Library, EntryPoint = "zfp_stream_set_accuracy")]
    internal static partial double StreamSetAccuracy(nint stream, double tolerance);

    [LibraryImport(Library, EntryPoint = "zfp_stream_accuracy")]
    internal static partial double StreamAccuracy(nint stream);

    [LibraryImport(Library, EntryPoint = "zfp_stream_compression_mode")]
    internal static partial int StreamCompressionMode(nint stream);

    [LibraryImport(Library, EntryPoint = "zfp_stream_maximum_size")]
    internal static partial nuint StreamMaximumSize(nint stream, nint field);

    [LibraryImport(Library, EntryPoint = "zfp_stream_set_bit_stream")]
    internal static partial void StreamSetBitStream(nint stream, nint bitStream);

    [LibraryImport(Library, EntryPoint = "zfp_stream_rewind")]
    internal static partial void StreamRewind(nint stream);

    [LibraryImport(Library, EntryPoint = "zfp_field_alloc")]
    internal static partial nint FieldAlloc();

    [LibraryImport(Library, EntryPoint = "zfp_field_1d")]
    internal static partial nint Field1D(void* pointer, int type, nuint nx);

    [LibraryImport(Library, EntryPoint = "zfp_field_2d")]
    internal static partial nint Field2D(void* pointer, int type, nuint nx, nuint ny);

    [LibraryImport(Library, EntryPoint = "zfp_field_3d")]
    internal static partial nint Field3D(void* pointer, int type, nuint nx, nuint ny, nuint nz);

    [LibraryImport(Library, EntryPoint = "zfp_field_4d")]
    internal static partial nint Field4D(void* pointer, int type, nuint nx, nuint ny, nuint nz, nuint nw);

    [LibraryImport(Library, EntryPoint = "zfp_field_free")]
    internal static partial void FieldFree(nint field);

    [LibraryImport(Library, EntryPoint = "zfp_field_set_pointer")]
    internal static partial void FieldSetPointer(nint field, void* pointer);

    [LibraryImport(Library, EntryPoint = "zfp_field_type")]
    internal static partial int FieldType(nint field);

    [LibraryImport(Library, EntryPoint = "zfp_field_dimensionality")]
    internal static partial uint FieldDimensionality(nint field);

    /// <summary>Total scalars; fills <paramref name="size"/>[0..dims) with nx, ny, nz, nw (x fastest).</summary>
    [LibraryImport(Library, EntryPoint = "zfp_field_size")]
    internal static partial nuint FieldSize(nint field, nuint* size);

    [LibraryImport(Library, EntryPoint = "zfp_field_blocks")]
    internal static partial nuint FieldBlocks(nint field);

    [LibraryImport(Library, EntryPoint = "zfp_write_header")]
    internal static partial nuint WriteHeader(nint stream, nint field, uint mask);

    [LibraryImport(Library, EntryPoint = "zfp_read_header")]
    internal static partial nuint ReadHeader(nint stream, nint field, uint mask);

    [LibraryImport(Library, EntryPoint = "zfp_compress")]
    internal static partial nuint Compress(nint stream, nint field);

    [LibraryImport(Library, EntryPoint = "zfp_decompress")]
    internal static partial nuint Decompress(nint stream, nint field);
}
