namespace OnnxDiffusion.TestSupport.Reference;

/// <summary>
/// A dense, C-contiguous float64 tensor used only by the naive reference implementations. Images are
/// <c>[B, C, H, W]</c>, token sequences <c>[B, T, D]</c>. Deliberately minimal: no broadcasting, no views.
/// </summary>
public sealed class RefTensor
{
    /// <summary>Wraps <paramref name="data"/> (not copied) with <paramref name="shape"/>.</summary>
    public RefTensor(int[] shape, double[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (Count(shape) != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] holds {Count(shape)} elements, data has {data.Length}.");
        }

        Shape = shape;
        Data = data;
    }

    /// <summary>A zero tensor of <paramref name="shape"/>.</summary>
    public RefTensor(params int[] shape)
        : this(shape, new double[Count(shape)])
    {
    }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Elements in C order.</summary>
    public double[] Data { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>Size of dimension <paramref name="axis"/>.</summary>
    public int Dim(int axis) => Shape[axis];

    /// <summary>Widens float32 data into a reference tensor.</summary>
    public static RefTensor FromFloat(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        double[] wide = new double[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            wide[i] = data[i];
        }

        return new RefTensor((int[])shape.Clone(), wide);
    }

    /// <summary>Narrows to float32 (to feed the same values to ONNX Runtime).</summary>
    public float[] ToFloat()
    {
        float[] narrow = new float[Data.Length];
        for (int i = 0; i < Data.Length; i++)
        {
            narrow[i] = (float)Data[i];
        }

        return narrow;
    }

    /// <summary>The same data with another shape of equal element count.</summary>
    public RefTensor Reshape(params int[] shape) => new(shape, Data);

    /// <summary>A deep copy.</summary>
    public RefTensor Clone() => new((int[])Shape.Clone(), (double[])Data.Clone());

    /// <summary>Shape as text, e.g. <c>[1, 4, 8, 8]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Element count of a shape.</summary>
    public static int Count(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension in [{string.Join(", ", shape)}].");
            }

            n *= d;
        }

        return checked((int)n);
    }
}
