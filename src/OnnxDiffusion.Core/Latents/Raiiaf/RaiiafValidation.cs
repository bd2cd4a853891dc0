using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Core.Latents.Raiiaf;

/// <summary>
/// Write-side checks of a latent, the upstream validators plus our extension: rank 4 (<c>[B, C, H, W]</c>) or 5
/// (<c>[B, C, T, H, W]</c>, video; upstream accepts only 4), every dimension 1..8192, at most 100,000,000 elements,
/// finite values, and for float16 storage every value inside the float16 range.
/// </summary>
internal static class RaiiafValidation
{
    /// <summary>Throws <see cref="InvalidInputException"/> when <paramref name="latent"/> cannot be stored.</summary>
    internal static void CheckLatent(string key, FloatTensor latent, bool float16)
    {
        ArgumentNullException.ThrowIfNull(latent);
        CheckShape(key, latent.Shape);
        CheckValues(key, latent.Data, float16);
    }

    /// <summary>Throws <see cref="InvalidInputException"/> when <paramref name="shape"/> cannot be stored.</summary>
    internal static void CheckShape(string key, IReadOnlyList<int> shape)
    {
        string text = "[" + string.Join(", ", shape) + "]";
        if (shape.Count is not (4 or 5))
        {
            throw new InvalidInputException(
                $"Latent '{key}' has shape {text}; RAIIAF stores 4-D [B, C, H, W] latents and, as our " +
                "extension, 5-D [B, C, T, H, W] ones. Reshape it first.");
        }

        long count = 1;
        for (int i = 0; i < shape.Count; i++)
        {
            int d = shape[i];
            if (d is < 1 or > RaiiafFormat.MaxDimension)
            {
                throw new InvalidInputException(
                    $"Latent '{key}' has dimension {i} of size {d} in {text}; sizes must be 1.." +
                    $"{RaiiafFormat.MaxDimension}.");
            }

            count *= d;
        }

        if (count > RaiiafFormat.MaxElements)
        {
            throw new InvalidInputException(
                $"Latent '{key}' {text} has {count} elements, more than the {RaiiafFormat.MaxElements} a " +
                "RAIIAF latent may hold. Split it into several latents.");
        }
    }

    private static void CheckValues(string key, float[] data, bool float16)
    {
        for (int i = 0; i < data.Length; i++)
        {
            float v = data[i];
            if (!float.IsFinite(v))
            {
                throw new InvalidInputException(
                    $"Latent '{key}' contains {(float.IsNaN(v) ? "NaN" : "infinity")} at element {i}; RAIIAF " +
                    "stores finite values only. Fix the producer (a NaN latent usually means an fp16 overflow).");
            }

            if (float16 && Half.IsInfinity((Half)v))
            {
                throw new InvalidInputException(
                    $"Latent '{key}' has value {v} at element {i}, outside the float16 range (±65504); store it as " +
                    "float32 (without --fp16).");
            }
        }
    }
}
