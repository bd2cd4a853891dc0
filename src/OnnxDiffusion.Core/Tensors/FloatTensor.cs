namespace OnnxDiffusion.Core.Tensors;

/// <summary>
/// A dense, C-contiguous float32 tensor owned in managed memory: the exchange type for latents
/// (<c>[B, C, H, W]</c> or 5-D), images (<c>[B, H, W, C]</c> in 0..1, ComfyUI's IMAGE layout), masks
/// (<c>[B, H, W]</c>) and conditioning (<c>[B, T, D]</c>). The shape is fixed; the data is mutable.
/// Not thread-safe for concurrent writes.
/// </summary>
public sealed class FloatTensor
{
    /// <summary>Wraps <paramref name="data"/> (not copied) with <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">The element count of the shape differs from the data length.</exception>
    public FloatTensor(int[] shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = CountOf(shape);
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] holds {count} elements but the data has {data.Length}.",
                nameof(data));
        }

        Shape = shape;
        Data = data;
    }

    /// <summary>Allocates a zero-filled tensor of <paramref name="shape"/>.</summary>
    public FloatTensor(params int[] shape)
        : this(shape, new float[CheckedCount(shape)])
    {
    }

    /// <summary>Dimensions, outermost first. Do not mutate.</summary>
    public int[] Shape { get; }

    /// <summary>Elements in C order.</summary>
    public float[] Data { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>A deep copy.</summary>
    public FloatTensor Clone() => new((int[])Shape.Clone(), (float[])Data.Clone());

    /// <summary>True when <paramref name="other"/> has the same shape.</summary>
    public bool SameShape(FloatTensor other) => Shape.AsSpan().SequenceEqual(other.Shape);

    /// <summary>Shape as text, e.g. <c>[1, 4, 64, 64]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <inheritdoc />
    public override string ToString() => $"FloatTensor{ShapeText}";

    private static long CountOf(int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension in [{string.Join(", ", shape)}].", nameof(shape));
            }

            n *= d;
        }

        return n;
    }

    private static int CheckedCount(int[] shape)
    {
        long n = CountOf(shape);
        if (n > Array.MaxLength)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] is too large for one array.", nameof(shape));
        }

        return (int)n;
    }
}
