using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Weights;

/// <summary>Typed reads over any <see cref="IWeightSource"/>.</summary>
public static class WeightSourceExtensions
{
    /// <summary>The info of tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public static TensorInfo GetInfo(this IWeightSource s, string name)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.TryGetInfo(name, out TensorInfo info)
            ? info
            : throw new KeyNotFoundException($"{s.Path} has no tensor named '{name}'.");
    }

    /// <summary>
    /// Tensor <paramref name="name"/> converted to float32 (C order) in a new array of
    /// <see cref="TensorInfo.ElementCount"/> elements. Conversion rules: <see cref="DTypes.ConvertToFloat32"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="Errors.ModelFormatException">The tensor is too large for one array or its data is
    /// bad.</exception>
    public static float[] ReadFloat32(this IWeightSource s, string name)
    {
        TensorInfo info = s.GetInfo(name);
        if (info.ElementCount > Array.MaxLength)
        {
            throw new Errors.ModelFormatException(
                $"{s.Path}: tensor '{name}' {info.ShapeText} has {info.ElementCount} elements, more than one "
                    + $"array holds.");
        }

        var result = new float[info.ElementCount];
        DTypes.ConvertToFloat32(info.DType, s.GetBytes(name), result);
        return result;
    }

    /// <summary>
    /// Converts tensor <paramref name="name"/> to float32 into <paramref name="destination"/>, whose length must
    /// equal the element count.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="ArgumentException">The destination length differs from the element count.</exception>
    public static void ReadFloat32(this IWeightSource s, string name, Span<float> destination)
    {
        TensorInfo info = s.GetInfo(name);
        if (destination.Length != info.ElementCount)
        {
            throw new ArgumentException(
                $"Tensor '{name}' {info.ShapeText} has {info.ElementCount} elements but the destination holds "
                + $"{destination.Length}.", nameof(destination));
        }

        DTypes.ConvertToFloat32(info.DType, s.GetBytes(name), destination);
    }
}
