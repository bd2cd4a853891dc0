namespace OnnxDiffusion.Graph.Initializers;

/// <summary>
/// Initializer data held in managed memory as raw little-endian bytes. Created through the
/// <see cref="InitializerData"/> factories. The bytes are not copied; callers must not mutate them afterwards.
/// </summary>
public sealed class BytesInitializerData : IInitializerData
{
    private readonly ReadOnlyMemory<byte> _bytes;

    /// <summary>Wraps <paramref name="bytes"/>; its length must match the type and shape.</summary>
    /// <exception cref="ArgumentException">When the byte length does not match.</exception>
    public BytesInitializerData(ElementType elementType, long[] shape, ReadOnlyMemory<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long expected = elementType.ByteLength(InitializerData.CountElements(shape));
        if (bytes.Length != expected)
        {
            throw new ArgumentException(
                $"{bytes.Length} bytes given for {elementType.DisplayName()}[{string.Join(", ", shape)}], " +
                $"which needs {expected}.", nameof(bytes));
        }

        ElementType = elementType;
        Shape = shape;
        _bytes = bytes;
    }

    /// <inheritdoc />
    public ElementType ElementType { get; }

    /// <inheritdoc />
    public long[] Shape { get; }

    /// <summary>The raw bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <inheritdoc />
    public void WriteTo(Stream destination) => destination.Write(_bytes.Span);
}
