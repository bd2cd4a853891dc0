using System.Runtime.InteropServices;

namespace OnnxDiffusion.Graph.Initializers;

/// <summary>Factories for in-memory initializer data and helpers over <see cref="IInitializerData"/>.</summary>
public static class InitializerData
{
    /// <summary>float32 data with the given shape (null: 1-D of the array length; empty: scalar).</summary>
    public static BytesInitializerData FromFloats(float[] values, long[]? shape = null) =>
        new(ElementType.Float, ShapeOr(shape, values.Length), ToLittleEndianBytes<float>(values));

    /// <summary>float16 data with the given shape (null: 1-D).</summary>
    public static BytesInitializerData FromHalves(Half[] values, long[]? shape = null) =>
        new(ElementType.Float16, ShapeOr(shape, values.Length), ToLittleEndianBytes<Half>(values));

    /// <summary>float64 data with the given shape (null: 1-D).</summary>
    public static BytesInitializerData FromDoubles(double[] values, long[]? shape = null) =>
        new(ElementType.Double, ShapeOr(shape, values.Length), ToLittleEndianBytes<double>(values));

    /// <summary>int64 data with the given shape (null: 1-D).</summary>
    public static BytesInitializerData FromInt64s(long[] values, long[]? shape = null) =>
        new(ElementType.Int64, ShapeOr(shape, values.Length), ToLittleEndianBytes<long>(values));

    /// <summary>int32 data with the given shape (null: 1-D).</summary>
    public static BytesInitializerData FromInt32s(int[] values, long[]? shape = null) =>
        new(ElementType.Int32, ShapeOr(shape, values.Length), ToLittleEndianBytes<int>(values));

    /// <summary>bool data with the given shape (null: 1-D).</summary>
    public static BytesInitializerData FromBools(bool[] values, long[]? shape = null)
    {
        byte[] bytes = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bytes[i] = values[i] ? (byte)1 : (byte)0;
        }

        return new(ElementType.Bool, ShapeOr(shape, values.Length), bytes);
    }

    /// <summary>
    /// A tensor of a floating type filled with <paramref name="value"/> (rounded to that type); shape null or empty
    /// means a scalar.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">For a non-floating type.</exception>
    public static BytesInitializerData FloatFilled(ElementType type, double value, long[]? shape = null)
    {
        shape ??= [];
        int n = checked((int)CountElements(shape));
        return type switch
        {
            ElementType.Float => FromFloats(Enumerable.Repeat((float)value, n).ToArray(), shape),
            ElementType.Float16 => FromHalves(Enumerable.Repeat((Half)value, n).ToArray(), shape),
            ElementType.Double => FromDoubles(Enumerable.Repeat(value, n).ToArray(), shape),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Needs float, float16 or double."),
        };
    }

    /// <summary>Element count of a shape (1 for a scalar).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When a dim is negative.</exception>
    public static long CountElements(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (long d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            n = checked(n * d);
        }

        return n;
    }

    /// <summary>Exact payload size of <paramref name="data"/> in bytes.</summary>
    public static long ByteLength(this IInitializerData data) =>
        data.ElementType.ByteLength(CountElements(data.Shape));

    /// <summary>Materialises the payload (small tensors only: tests, constant folding).</summary>
    /// <exception cref="InvalidOperationException">When the payload is 2 GiB or more.</exception>
    public static byte[] ToBytes(this IInitializerData data)
    {
        long length = data.ByteLength();
        if (length > Array.MaxLength)
        {
            throw new InvalidOperationException($"Initializer payload of {length} bytes is too large to materialise.");
        }

        using var stream = new MemoryStream((int)length);
        data.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Reads a float32 payload as floats (small tensors only).</summary>
    /// <exception cref="InvalidOperationException">When the element type is not float.</exception>
    public static float[] ToFloats(this IInitializerData data) => FromLittleEndian<float>(data, ElementType.Float);

    /// <summary>Reads an int64 payload as longs (small tensors only).</summary>
    /// <exception cref="InvalidOperationException">When the element type is not int64.</exception>
    public static long[] ToInt64s(this IInitializerData data) => FromLittleEndian<long>(data, ElementType.Int64);

    private static T[] FromLittleEndian<T>(IInitializerData data, ElementType expected)
        where T : unmanaged
    {
        if (data.ElementType != expected)
        {
            throw new InvalidOperationException(
                $"Initializer holds {data.ElementType.DisplayName()}, not {expected.DisplayName()}.");
        }

        EnsureLittleEndian();
        return MemoryMarshal.Cast<byte, T>(data.ToBytes()).ToArray();
    }

    private static byte[] ToLittleEndianBytes<T>(T[] values)
        where T : unmanaged
    {
        EnsureLittleEndian();
        return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("OnnxDiffusion requires a little-endian machine.");
        }
    }

    private static long[] ShapeOr(long[]? shape, int length) => shape ?? [length];
}
