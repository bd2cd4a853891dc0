using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>
/// One tensor for <see cref="SafetensorsWriter"/>: its name, element type, shape and a callback that streams its
/// little-endian, C-contiguous payload. <see cref="WriteData"/> must write exactly <see cref="ByteLength"/> bytes
/// (the writer checks and throws <see cref="InvalidOperationException"/> otherwise); it must not dispose the stream.
/// </summary>
/// <param name="Name">Tensor name (non-empty, unique, not <c>__metadata__</c>).</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions (each ≥ 0), outermost first; empty for a scalar.</param>
/// <param name="WriteData">Writes the payload to the given stream.</param>
public sealed record TensorToWrite(string Name, DType DType, long[] Shape, Action<Stream> WriteData)
{
    /// <summary>Payload size in bytes: product of <see cref="Shape"/> × element size.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the size overflows 64 bits.</exception>
    public long ByteLength
    {
        get
        {
            long n = DTypes.SizeOf(DType);
            foreach (long d in Shape)
            {
                if (d < 0)
                {
                    throw new ArgumentException($"Tensor '{Name}' has a negative dimension in {ShapeText}.");
                }

                try
                {
                    n = checked(n * d);
                }
                catch (OverflowException)
                {
                    throw new ArgumentException($"Tensor '{Name}' shape {ShapeText} overflows 64 bits.");
                }
            }

            return n;
        }
    }

    private string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
