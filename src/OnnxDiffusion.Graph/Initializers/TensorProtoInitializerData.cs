using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Graph.Proto;

namespace OnnxDiffusion.Graph.Initializers;

/// <summary>
/// Converts an inline <see cref="TensorProto"/> (raw_data or the typed repeated fields) into raw little-endian
/// bytes. Used by the loader for initializers stored inside the <c>.onnx</c> file.
/// </summary>
internal static class TensorProtoInitializerData
{
    /// <summary>Copies the payload out of <paramref name="tensor"/>.</summary>
    /// <exception cref="ModelFormatException">For an unsupported type/field combination or wrong length.</exception>
    public static BytesInitializerData From(TensorProto tensor)
    {
        var type = (ElementType)tensor.DataType;
        if (!Enum.IsDefined(type))
        {
            throw new ModelFormatException(
                $"Initializer '{tensor.Name}' has ONNX data_type {tensor.DataType}, which OnnxDiffusion does not " +
                "support.");
        }

        long[] shape = [.. tensor.Dims];
        long count = InitializerData.CountElements(shape);
        byte[] bytes = tensor.HasRawData ? tensor.RawData.ToByteArray() : FromTypedFields(tensor, type, count);
        if (bytes.Length != type.ByteLength(count))
        {
            throw new ModelFormatException(
                $"Initializer '{tensor.Name}' holds {bytes.Length} bytes but {type.DisplayName()}" +
                $"[{string.Join(", ", shape)}] needs {type.ByteLength(count)}.");
        }

        return new BytesInitializerData(type, shape, bytes);
    }

    private static byte[] FromTypedFields(TensorProto tensor, ElementType type, long count)
    {
        switch (type)
        {
            case ElementType.Float:
                return MemoryMarshal.AsBytes(tensor.FloatData.ToArray().AsSpan()).ToArray();
            case ElementType.Double:
                return MemoryMarshal.AsBytes(tensor.DoubleData.ToArray().AsSpan()).ToArray();
            case ElementType.Int64:
                return MemoryMarshal.AsBytes(tensor.Int64Data.ToArray().AsSpan()).ToArray();
            case ElementType.UInt64:
                return MemoryMarshal.AsBytes(tensor.Uint64Data.ToArray().AsSpan()).ToArray();
            case ElementType.UInt32:
                return MemoryMarshal.AsBytes(tensor.Uint64Data.Select(v => (uint)v).ToArray().AsSpan()).ToArray();
            case ElementType.Int32:
                return MemoryMarshal.AsBytes(tensor.Int32Data.ToArray().AsSpan()).ToArray();
            case ElementType.Int16 or ElementType.UInt16 or ElementType.Float16 or ElementType.BFloat16:
                return MemoryMarshal.AsBytes(tensor.Int32Data.Select(v => (ushort)v).ToArray().AsSpan()).ToArray();
            case ElementType.Int8 or ElementType.UInt8 or ElementType.Bool or ElementType.Float8E4M3FN
                or ElementType.Float8E5M2:
                return tensor.Int32Data.Select(v => (byte)v).ToArray();
            default:
                throw new ModelFormatException(
                    $"Initializer '{tensor.Name}' stores {type.DisplayName()} ({count} elements) in typed fields, " +
                    "which OnnxDiffusion does not read; re-save it with raw_data.");
        }
    }
}
