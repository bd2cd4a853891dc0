using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Graph;

/// <summary>
/// Tensor element types of the ONNX IR. The numeric values are the ONNX <c>TensorProto.DataType</c> codes, so a
/// cast to <see cref="int"/> gives the value written to <c>elem_type</c> / <c>data_type</c>.
/// </summary>
public enum ElementType
{
    /// <summary>IEEE binary32.</summary>
    Float = 1,

    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,

    /// <summary>Boolean, one byte per element.</summary>
    Bool = 9,

    /// <summary>IEEE binary16.</summary>
    Float16 = 10,

    /// <summary>IEEE binary64.</summary>
    Double = 11,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,

    /// <summary>bfloat16.</summary>
    BFloat16 = 16,

    /// <summary>FP8 E4M3 (finite-only, NaN but no infinity).</summary>
    Float8E4M3FN = 17,

    /// <summary>FP8 E5M2.</summary>
    Float8E5M2 = 19,

    /// <summary>Unsigned 4-bit integer, two per byte (low nibble first).</summary>
    UInt4 = 21,

    /// <summary>Signed 4-bit integer, two per byte (low nibble first).</summary>
    Int4 = 22,
}

/// <summary>Size and conversion helpers for <see cref="ElementType"/>.</summary>
public static class ElementTypes
{
    /// <summary>Bits per element (4 for the packed 4-bit types).</summary>
    /// <exception cref="ArgumentOutOfRangeException">For a value outside the enum.</exception>
    public static int BitSize(this ElementType type) => type switch
    {
        ElementType.Float or ElementType.Int32 or ElementType.UInt32 => 32,
        ElementType.Double or ElementType.Int64 or ElementType.UInt64 => 64,
        ElementType.Float16 or ElementType.BFloat16 or ElementType.Int16 or ElementType.UInt16 => 16,
        ElementType.UInt8 or ElementType.Int8 or ElementType.Bool => 8,
        ElementType.Float8E4M3FN or ElementType.Float8E5M2 => 8,
        ElementType.UInt4 or ElementType.Int4 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown ONNX element type."),
    };

    /// <summary>Bytes needed to store <paramref name="elementCount"/> elements (4-bit types round up).</summary>
    public static long ByteLength(this ElementType type, long elementCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementCount);
        return checked((elementCount * type.BitSize()) + 7) / 8;
    }

    /// <summary>True for the floating-point types (including fp8 and bf16).</summary>
    public static bool IsFloating(this ElementType type) => type is ElementType.Float or ElementType.Float16
        or ElementType.Double or ElementType.BFloat16 or ElementType.Float8E4M3FN or ElementType.Float8E5M2;

    /// <summary>Maps a weight-file dtype to the ONNX element type with the same bit layout.</summary>
    public static ElementType FromDType(DType dtype) => dtype switch
    {
        DType.F64 => ElementType.Double,
        DType.F32 => ElementType.Float,
        DType.F16 => ElementType.Float16,
        DType.BF16 => ElementType.BFloat16,
        DType.I64 => ElementType.Int64,
        DType.I32 => ElementType.Int32,
        DType.I16 => ElementType.Int16,
        DType.I8 => ElementType.Int8,
        DType.U8 => ElementType.UInt8,
        DType.Bool => ElementType.Bool,
        DType.F8E4M3 => ElementType.Float8E4M3FN,
        DType.F8E5M2 => ElementType.Float8E5M2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>Lower-case ONNX-style name (<c>float</c>, <c>float16</c>, <c>int64</c>, ...) for messages.</summary>
    public static string DisplayName(this ElementType type) => type.ToString().ToLowerInvariant();
}
