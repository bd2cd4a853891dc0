using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using static OnnxDiffusion.Core.Latents.Raiiaf.ZfpNative;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>What the full header of a zfp stream says (for inspection).</summary>
/// <param name="ScalarType">zfp scalar type code: 1 int32, 2 int64, 3 float32, 4 float64.</param>
/// <param name="Shape">Dimensions outermost first (numpy order: nw, nz, ny, nx).</param>
/// <param name="Mode">zfp mode code: 2 fixed-rate, 3 fixed-precision, 4 fixed-accuracy, 5 reversible, 1 expert.</param>
/// <param name="Tolerance">Fixed-accuracy tolerance as stored (a power of two ≤ the one requested), else 0.</param>
public readonly record struct ZfpStreamInfo(int ScalarType, int[] Shape, int Mode, double Tolerance)
{
    /// <summary>True for reversible (lossless) mode.</summary>
    public bool IsLossless => Mode == ZfpNative.ModeReversible;

    /// <summary>Human-readable mode, e.g. <c>reversible (lossless)</c>.</summary>
    public string ModeText => Mode switch
    {
        ZfpNative.ModeReversible => "reversible (lossless)",
        ZfpNative.ModeFixedAccuracy => $"fixed-accuracy (tolerance {Tolerance:G6})",
        2 => "fixed-rate",
        3 => "fixed-precision",
        _ => "expert",
    };

    /// <summary>Scalar type as a numpy name (<c>float32</c>, <c>float64</c>, <c>int32</c>, <c>int64</c>).</summary>
    public string ScalarTypeName => ScalarType switch
    {
        ZfpNative.TypeFloat => "float32",
        ZfpNative.TypeDouble => "float64",
        1 => "int32",
        _ => "int64",
    };
}

/// <summary>
/// Compresses and decompresses arrays through libzfp exactly as zfpy's <c>compress_numpy</c> /
/// <c>decompress_numpy</c> do: a full header (<c>ZFP_HEADER_FULL</c>) in front, so decoding needs no side
/// information; reversible mode for lossless, fixed-accuracy for lossy. Decoding treats the stream as untrusted:
/// sizes are checked against the expected element count and the payload length before anything is allocated, and
/// the decoder reads from a zero-padded copy that covers the worst case zfp may read.
/// </summary>
internal static unsafe class ZfpCodec
{
    private const int Padding = 32;

    /// <summary>
    /// Compresses float32 <paramref name="values"/> laid out C-order in <paramref name="shape"/> (1 to 4 dims,
    /// each representable in the zfp header). <paramref name="tolerance"/> 0 selects reversible (lossless) mode,
    /// a positive value fixed-accuracy mode. Returns the stream, header included.
    /// </summary>
    internal static byte[] Compress(ReadOnlySpan<float> values, ReadOnlySpan<int> shape, double tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        ZfpLibrary.EnsureLoaded();
        fixed (float* data = values)
        {
            nint field = CreateField(data, TypeFloat, shape);
            nint stream = StreamOpen(0);
            nint bits = 0;
            byte* buffer = null;
            try
            {
                if (tolerance > 0)
                {
                    StreamSetAccuracy(stream, tolerance);
                }
                else
                {
                    StreamSetReversible(stream);
                }

                nuint capacity = StreamMaximumSize(stream, field);
                buffer = (byte*)NativeMemory.Alloc(capacity);
                bits = BitStreamOpen(buffer, capacity);
                StreamSetBitStream(stream, bits);
                StreamRewind(stream);
                nuint size = WriteHeader(stream, field, HeaderFull) == 0 ? 0 : ZfpNative.Compress(stream, field);
                if (size == 0 || size > capacity)
                {
                    throw new RuntimeFailureException(
                        $"zfp could not compress an array of shape [{string.Join(", ", shape.ToArray())}] " +
                        "(it failed to write the header or the payload). Store it uncompressed instead.");
                }

                return new ReadOnlySpan<byte>(buffer, checked((int)size)).ToArray();
            }
            finally
            {
                Close(stream, bits, field);
                NativeMemory.Free(buffer);
            }
        }
    }

    /// <summary>Reads only the full header of <paramref name="stream"/>; ModelFormatException if invalid.</summary>
    internal static ZfpStreamInfo ReadInfo(ReadOnlySpan<byte> stream, string what)
    {
        ZfpLibrary.EnsureLoaded();
        using var copy = new PaddedCopy(stream, stream.Length);
        return WithHeader(copy, what, static (s, f) => Describe(s, f));
    }

    /// <summary>
    /// Decodes <paramref name="stream"/>, which must hold exactly <paramref name="expectedCount"/> float32 or
    /// float64 values. Exactly one of the returned arrays is non-null. Every malformed input gives a
    /// <see cref="ModelFormatException"/> naming <paramref name="what"/>.
    /// </summary>
    internal static (float[]? Floats, double[]? Doubles) Decompress(
        ReadOnlySpan<byte> stream, long expectedCount, string what)
    {
        ZfpLibrary.EnsureLoaded();
        int length = stream.Length;
        nuint needed;
        using (var probe = new PaddedCopy(stream, length))
        {
            needed = WithHeader(probe, what, (s, f) => CheckField(s, f, length, expectedCount, what));
        }

        // Second pass over a copy padded to the worst case zfp may read (validated above).
        using var copy = new PaddedCopy(stream, (long)needed);
        return WithHeader(copy, what, (s, f) => DecodeInto(s, f, length, expectedCount, what));
    }

    private static nuint CheckField(nint stream, nint field, int payloadBytes, long expectedCount, string what)
    {
        ZfpStreamInfo info = Describe(stream, field);
        long count = (long)FieldSize(field, null);
        if (info.ScalarType is not (TypeFloat or TypeDouble))
        {
            throw Corrupt(what, $"its scalar type is {info.ScalarType} (zfp int32/int64), not float32 or float64");
        }

        if (count != expectedCount)
        {
            throw Corrupt(what, $"it holds {count} values (shape [{string.Join(", ", info.Shape)}]) " +
                                $"but the manifest shape needs {expectedCount}");
        }

        // Every zfp block costs at least one bit, so a short payload cannot describe many blocks.
        if ((long)FieldBlocks(field) > 8L * payloadBytes)
        {
            throw Corrupt(what, $"{(long)FieldBlocks(field)} blocks cannot fit in {payloadBytes} bytes");
        }

        nuint maximum = StreamMaximumSize(stream, field);
        long bytesPerValue = info.ScalarType == TypeFloat ? 4 : 8;
        if (maximum == 0 || (long)maximum > (4 * bytesPerValue * count) + 4096)
        {
            throw Corrupt(what, $"its parameters allow {maximum} bytes for {count} values, which is implausible");
        }

        return maximum;
    }

    private static (float[]?, double[]?) DecodeInto(
        nint stream, nint field, int payloadBytes, long expectedCount, string what)
    {
        // Same bytes as the validated probe, so the same header; the recheck guards the allocation below.
        if ((long)FieldSize(field, null) != expectedCount)
        {
            throw Corrupt(what, "its header changed between reads");
        }

        float[]? floats = null;
        double[]? doubles = null;
        nuint consumed;
        if (FieldType(field) == TypeFloat)
        {
            floats = new float[expectedCount];
            fixed (float* output = floats)
            {
                FieldSetPointer(field, output);
                consumed = ZfpNative.Decompress(stream, field);
            }
        }
        else
        {
            doubles = new double[expectedCount];
            fixed (double* output = doubles)
            {
                FieldSetPointer(field, output);
                consumed = ZfpNative.Decompress(stream, field);
            }
        }

        // A whole stream is consumed exactly, up to the padding to the writer's word (Debian's libzfp uses 8-bit
        // words, other builds 64-bit ones). Reading past the payload means truncation; stopping well short of it
        // means the stream is not what the header describes.
        if (consumed == 0 || (long)consumed > payloadBytes || (long)consumed + 8 <= payloadBytes)
        {
            throw Corrupt(what, $"decoding used {consumed} bytes of the {payloadBytes}-byte stream " +
                                "(truncated or damaged)");
        }

        return (floats, doubles);
    }

    private static T WithHeader<T>(PaddedCopy copy, string what, Func<nint, nint, T> body)
    {
        nint bits = BitStreamOpen(copy.Pointer, (nuint)copy.Capacity);
        nint stream = StreamOpen(bits);
        nint field = FieldAlloc();
        try
        {
            if (copy.Length < 4 || ReadHeader(stream, field, HeaderFull) == 0)
            {
                throw Corrupt(what, "it has no valid full zfp header (bad magic, codec version, shape or mode)");
            }

            return body(stream, field);
        }
        finally
        {
            Close(stream, bits, field);
        }
    }

    private static ZfpStreamInfo Describe(nint stream, nint field)
    {
        int dims = (int)FieldDimensionality(field);
        nuint* size = stackalloc nuint[4];
        FieldSize(field, size);

        int[] shape = new int[Math.Clamp(dims, 0, 4)];
        for (int i = 0; i < shape.Length; i++)
        {
            // zfp lists x (fastest) first; numpy order is the reverse. Sizes fit in int: at most 2^48 in 1-D,
            // but the callers reject any count that differs from a validated manifest shape.
            shape[i] = (int)Math.Min((ulong)size[shape.Length - 1 - i], int.MaxValue);
        }

        int mode = StreamCompressionMode(stream);
        double tolerance = mode == ModeFixedAccuracy ? StreamAccuracy(stream) : 0;
        return new ZfpStreamInfo(FieldType(field), shape, mode, tolerance);
    }

    private static nint CreateField(void* data, int type, ReadOnlySpan<int> shape)
    {
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d, nameof(shape));
        }

        // numpy shape (a, b, c, d) maps to nw=a, nz=b, ny=c, nx=d (x fastest), as zfpy does.
        return shape.Length switch
        {
            1 => Field1D(data, type, (nuint)shape[0]),
            2 => Field2D(data, type, (nuint)shape[1], (nuint)shape[0]),
            3 => Field3D(data, type, (nuint)shape[2], (nuint)shape[1], (nuint)shape[0]),
            4 => Field4D(data, type, (nuint)shape[3], (nuint)shape[2], (nuint)shape[1], (nuint)shape[0]),
            _ => throw new ArgumentException($"zfp handles 1 to 4 dimensions, got {shape.Length}.", nameof(shape)),
        };
    }

    private static void Close(nint stream, nint bits, nint field)
    {
        if (stream != 0)
        {
            StreamClose(stream);
        }

        if (bits != 0)
        {
            BitStreamClose(bits);
        }

        if (field != 0)
        {
            FieldFree(field);
        }
    }

    private static ModelFormatException Corrupt(string what, string detail) =>
        new($"{what}: the zfp stream is invalid: {detail}. The file is damaged or was not written by a RAIIAF " +
            "writer; rewrite it from the source latent.");

    /// <summary>A zero-filled native copy of a stream, padded so that zfp's word reads never leave it.</summary>
    private sealed class PaddedCopy : IDisposable
    {
        public PaddedCopy(ReadOnlySpan<byte> source, long minimum)
        {
            Length = source.Length;
            Capacity = ((Math.Max(minimum, source.Length) + 7) & ~7L) + Padding;
            Pointer = (byte*)NativeMemory.AllocZeroed((nuint)Capacity);
            source.CopyTo(new Span<byte>(Pointer, source.Length));
        }

        public byte* Pointer { get; private set; }

        public long Capacity { get; }

        public int Length { get; }

        public void Dispose()
        {
            NativeMemory.Free(Pointer);
            Pointer = null;
        }
    }
}
