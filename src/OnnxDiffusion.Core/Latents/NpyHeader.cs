namespace OnnxDiffusion.Core.Latents;

/// <summary>
/// The validated header of a <c>.npy</c> file. Immutable.
/// </summary>
/// <param name="MajorVersion">Format major version (1, 2 or 3).</param>
/// <param name="MinorVersion">Format minor version (0).</param>
/// <param name="Descr">numpy dtype descriptor, one of <c>&lt;f4</c>, <c>&lt;f2</c>, <c>&lt;f8</c>.</param>
/// <param name="Shape">Dimensions, outermost first (C order).</param>
/// <param name="DataOffset">File offset of the first element (header length, a multiple of 16 or 64).</param>
public sealed record NpyHeader(int MajorVersion, int MinorVersion, string Descr, int[] Shape, long DataOffset)
{
    /// <summary>Bytes per element of <see cref="Descr"/>.</summary>
    public int ItemSize => Descr[^1] - '0';

    /// <summary>Number of elements (product of the shape).</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>Shape as text, e.g. <c>[1, 4, 64, 64]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
