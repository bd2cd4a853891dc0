namespace OnnxDiffusion.Core.Tensors;

/// <summary>
/// Name, element type and shape of one tensor in a weight file. <see cref="ByteLength"/> is the validated
/// payload size (product of <see cref="Shape"/> × element size). Immutable; safe to share across threads.
/// </summary>
/// <param name="Name">Tensor name as stored in the file (e.g. a checkpoint key).</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first; empty for a scalar.</param>
/// <param name="ByteLength">Payload size in bytes.</param>
public sealed record TensorInfo(string Name, DType DType, long[] Shape, long ByteLength)
{
    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }

    /// <summary>Shape as text, e.g. <c>[320, 4, 3, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
