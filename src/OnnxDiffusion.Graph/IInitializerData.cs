namespace OnnxDiffusion.Graph;

/// <summary>
/// The payload of one initializer, produced lazily: the writer calls <see cref="WriteTo"/> once, at serialization
/// time, so a converter can stream straight from a memory-mapped checkpoint without holding all weights in memory.
/// Implementations must be deterministic (the same bytes on every call) and may be called from any thread.
/// </summary>
public interface IInitializerData
{
    /// <summary>Element type of the bytes written.</summary>
    ElementType ElementType { get; }

    /// <summary>Dimensions, outermost first; empty for a scalar. Callers must not mutate the array.</summary>
    long[] Shape { get; }

    /// <summary>
    /// Writes the tensor as raw little-endian bytes in C order (ONNX <c>raw_data</c> layout: 4-bit types packed two
    /// per byte, low nibble first), exactly <c>ElementType.ByteLength(element count)</c> bytes.
    /// </summary>
    void WriteTo(Stream destination);
}
