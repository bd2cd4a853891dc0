using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Core.Weights;

namespace OnnxDiffusion.Core.Latents;

/// <summary>
/// ComfyUI's <c>.latent</c> files (SaveLatent/LoadLatent): safetensors holding <c>latent_tensor</c> and an empty
/// float32 <c>latent_format_version_0</c> marker. A file without the marker is a legacy latent saved already scaled
/// and is multiplied by 1/0.18215 on load, as ComfyUI does. Writes are atomic. Stateless and thread-safe.
/// </summary>
public static class ComfyLatentFile
{
    /// <summary>Tensor name of the latent.</summary>
    public const string LatentTensorName = "latent_tensor";

    /// <summary>Name of the empty version-marker tensor.</summary>
    public const string VersionMarkerName = "latent_format_version_0";

    /// <summary>The factor applied to legacy latents: float32(1 / 0.18215), as torch multiplies a float
    /// tensor.</summary>
    public const float LegacyMultiplier = (float)(1.0 / 0.18215);

    /// <summary>Reads a <c>.latent</c> file.</summary>
    /// <exception cref="ModelFormatException">Not safetensors, no <c>latent_tensor</c>, or a non-float
    /// dtype.</exception>
    public static ComfyLatent Read(string path)
    {
        using IWeightSource source = WeightFile.Open(path);
        if (source.Format != "safetensors")
        {
            throw new ModelFormatException($"{path} is a {source.Format} file; a .latent file is safetensors.");
        }

        if (!source.TryGetInfo(LatentTensorName, out TensorInfo info))
        {
            throw new ModelFormatException($"{path} has no '{LatentTensorName}' tensor (it holds "
                + $"{string.Join(", ", source.Tensors.Take(5).Select(t => t.Name))}); it is not a ComfyUI latent.");
        }

        if (!DTypes.IsFloat(info.DType) || info.Shape.Length == 0 || info.Shape.Any(d => d > int.MaxValue)
            || info.ElementCount > Array.MaxLength)
        {
            throw new ModelFormatException(
                $"{path}: '{LatentTensorName}' is {DTypes.ToSafetensorsName(info.DType)} {info.ShapeText}; "
                + "expected a float tensor such as [B, 4, H/8, W/8].");
        }

        float[] data = source.ReadFloat32(LatentTensorName);
        bool legacy = !source.TryGetInfo(VersionMarkerName, out _);
        if (legacy)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(data, LegacyMultiplier, data);
        }

        var shape = info.Shape.Select(d => (int)d).ToArray();
        return new ComfyLatent(new FloatTensor(shape, data), legacy,
            new Dictionary<string, string>(source.Metadata, StringComparer.Ordinal));
    }

    /// <summary>Writes <paramref name="samples"/> (float32, unscaled) with the version marker, as SaveLatent
    /// does.</summary>
    /// <param name="path">Destination (conventionally <c>*.latent</c>).</param>
    /// <param name="samples">The latent.</param>
    /// <param name="metadata">Optional string metadata (ComfyUI: <c>prompt</c>, <c>workflow</c> as JSON text).</param>
    public static void Write(string path, FloatTensor samples, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        long[] shape = samples.Shape.Select(d => (long)d).ToArray();
        TensorToWrite[] tensors =
        [
            new(LatentTensorName, DType.F32, shape, s => s.Write(MemoryMarshal.AsBytes(samples.Data.AsSpan()))),
            new(VersionMarkerName, DType.F32, [0], _ => { }),
        ];
        SafetensorsWriter.Write(path, tensors, metadata);
    }
}
