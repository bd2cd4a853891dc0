using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace OnnxDiffusion.Core.Tensors;

/// <summary>
/// Facts about <see cref="DType"/>: element sizes, the safetensors spelling, and conversion of raw little-endian
/// element bytes to float32. Stateless and thread-safe.
/// </summary>
public static class DTypes
{
    private static readonly float[] s_f8E4M3 = BuildF8Table(exponentBits: 4, mantissaBits: 3, bias: 7, ieee: false);
    private static readonly float[] s_f8E5M2 = BuildF8Table(exponentBits: 5, mantissaBits: 2, bias: 15, ieee: true);

    /// <summary>Every defined element type, in declaration order.</summary>
    public static IReadOnlyList<DType> All { get; } = Enum.GetValues<DType>();

    /// <summary>Bytes per element of <paramref name="t"/> (1, 2, 4 or 8).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="DType"/>.</exception>
    public static int SizeOf(DType t) => t switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        DType.I8 or DType.U8 or DType.Bool or DType.F8E4M3 or DType.F8E5M2 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "Unknown DType."),
    };

    /// <summary>The safetensors header spelling: <c>F32</c>, <c>BF16</c>, <c>F8_E4M3</c>, <c>BOOL</c>, ...</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="DType"/>.</exception>
    public static string ToSafetensorsName(DType t) => t switch
    {
        DType.F64 => "F64",
        DType.F32 => "F32",
        DType.F16 => "F16",
        DType.BF16 => "BF16",
        DType.I64 => "I64",
        DType.I32 => "I32",
        DType.I16 => "I16",
        DType.I8 => "I8",
        DType.U8 => "U8",
        DType.Bool => "BOOL",
        DType.F8E4M3 => "F8_E4M3",
        DType.F8E5M2 => "F8_E5M2",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "Unknown DType."),
    };

    /// <summary>Parses a safetensors dtype string (exact, case-sensitive); false for any other text.</summary>
    public static bool TryParseSafetensorsName(string s, out DType t)
    {
        foreach (DType candidate in All)
        {
            if (string.Equals(ToSafetensorsName(candidate), s, StringComparison.Ordinal))
            {
                t = candidate;
                return true;
            }
        }

        t = default;
        return false;
    }

    /// <summary>True for the floating-point types (F64, F32, F16, BF16, F8E4M3, F8E5M2).</summary>
    public static bool IsFloat(DType t) =>
        t is DType.F64 or DType.F32 or DType.F16 or DType.BF16 or DType.F8E4M3 or DType.F8E5M2;

    /// <summary>
    /// Converts little-endian elements of type <paramref name="src"/> to float32. The element count is
    /// <c>bytes.Length / SizeOf(src)</c>; the first that many entries of <paramref name="dst"/> are written.
    /// F64 and I64/I32 round to nearest float; BOOL gives 0 or 1 (any non-zero byte is true); F8 types follow
    /// torch.float8_e4m3fn (no infinities, S.1111.111 is NaN) and torch.float8_e5m2 (IEEE-like).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="bytes"/> is not a whole number of elements, or <paramref name="dst"/> is too short.
    /// </exception>
    public static void ConvertToFloat32(DType src, ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        int size = SizeOf(src);
        if (bytes.Length % size != 0)
        {
            throw new ArgumentException(
                $"{bytes.Length} bytes is not a whole number of {ToSafetensorsName(src)} elements.", nameof(bytes));
        }

        int count = bytes.Length / size;
        if (dst.Length < count)
        {
            throw new ArgumentException($"Destination holds {dst.Length} floats but {count} are needed.", nameof(dst));
        }

        dst = dst[..count];
        switch (src)
        {
            case DType.F32:
                bytes.CopyTo(MemoryMarshal.AsBytes(dst));
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), dst);
                break;
            case DType.BF16:
                BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(bytes), dst);
                break;
            case DType.F8E4M3:
                Lookup(s_f8E4M3, bytes, dst);
                break;
            case DType.F8E5M2:
                Lookup(s_f8E5M2, bytes, dst);
                break;
            default:
                ConvertScalar(src, bytes, dst);
                break;
        }
    }

    private static void ConvertScalar(DType src, ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = src switch
            {
                DType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]),
                DType.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
                DType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
                DType.I16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]),
                DType.I8 => (sbyte)bytes[i],
                DType.U8 => bytes[i],
                DType.Bool => bytes[i] != 0 ? 1f : 0f,
                _ => throw new ArgumentOutOfRangeException(nameof(src), src, "Unknown DType."),
            };
        }
    }

    /// <summary>bfloat16 is the upper half of binary32: widen each code to 32 bits and shift it up.</summary>
    private static void BFloat16ToSingle(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        Span<uint> bits = MemoryMarshal.Cast<float, uint>(dst);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref ushort from = ref MemoryMarshal.GetReference(src);
            ref uint to = ref MemoryMarshal.GetReference(bits);
            for (; i + Vector128<ushort>.Count <= src.Length; i += Vector128<ushort>.Count)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref from, (nuint)i));
                Vector128.ShiftLeft(lower, 16).StoreUnsafe(ref to, (nuint)i);
                Vector128.ShiftLeft(upper, 16).StoreUnsafe(ref to, (nuint)(i + Vector128<uint>.Count));
            }
        }

        for (; i < src.Length; i++)
        {
            bits[i] = (uint)src[i] << 16;
        }
    }

    private static void Lookup(float[] table, ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = table[src[i]];
        }
    }

    /// <summary>Decodes all 256 FP8 codes from first principles (sign, biased exponent, mantissa).</summary>
    private static float[] BuildF8Table(int exponentBits, int mantissaBits, int bias, bool ieee)
    {
        var table = new float[256];
        int expMax = (1 << exponentBits) - 1;
        int manMax = (1 << mantissaBits) - 1;
        for (int code = 0; code < 256; code++)
        {
            bool negative = (code & 0x80) != 0;
            int exponent = (code >> mantissaBits) & expMax;
            int mantissa = code & manMax;
            double value;
            if (ieee && exponent == expMax)
            {
                value = mantissa == 0 ? double.PositiveInfinity : double.NaN;
            }
            else if (!ieee && exponent == expMax && mantissa == manMax)
            {
                value = double.NaN;
            }
            else if (exponent == 0)
            {
                value = mantissa / (double)(1 << mantissaBits) * Math.Pow(2, 1 - bias);
            }
            else
            {
                value = (1 + (mantissa / (double)(1 << mantissaBits))) * Math.Pow(2, exponent - bias);
            }

            table[code] = (float)(negative ? -value : value);
        }

        return table;
    }
}
