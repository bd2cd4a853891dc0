using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Nodes.Latents;

/// <summary>ComfyUI's latent nodes as library functions (nodes.py semantics, comfyui-spec.md §2).</summary>
public static class LatentOps
{
    /// <summary>Latent channels of SD1.x/SDXL.</summary>
    public const int Channels = 4;

    /// <summary>Pixels per latent element.</summary>
    public const int Downscale = 8;

    /// <summary>EmptyLatentImage: zeros <c>[batch, 4, height/8, width/8]</c> (integer division).</summary>
    public static Latent Empty(int width, int height, int batchSize) =>
        new(new FloatTensor(batchSize, Channels, height / Downscale, width / Downscale));

    /// <summary>
    /// LatentUpscale: sizes in pixels; both 0 passes the latent through; one 0 follows the aspect ratio; each at
    /// least 64; target latent size (width/8, height/8). Keeps <c>noise_mask</c> and <c>batch_index</c>.
    /// </summary>
    public static Latent Upscale(Latent latent, ResizeMethod method, int width, int height, bool centerCrop)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (width == 0 && height == 0)
        {
            return latent;
        }

        FloatTensor samples = RequireRank4(latent.Samples);
        int h = samples.Shape[2], w = samples.Shape[3];
        if (width == 0)
        {
            height = Math.Max(64, height);
            width = Math.Max(64, PythonRound((double)w * height / h));
        }
        else if (height == 0)
        {
            width = Math.Max(64, width);
            height = Math.Max(64, PythonRound((double)h * width / w));
        }
        else
        {
            width = Math.Max(64, width);
            height = Math.Max(64, height);
        }

        return latent with
        {
            Samples = ImageResize.CommonUpscale(samples, width / Downscale, height / Downscale, method, centerCrop),
        };
    }

    /// <summary>LatentUpscaleBy: target latent size round(w·s) × round(h·s), no crop.</summary>
    /// <exception cref="InvalidInputException">The scaled size rounds to 0.</exception>
    public static Latent UpscaleBy(Latent latent, ResizeMethod method, double scaleBy)
    {
        ArgumentNullException.ThrowIfNull(latent);
        FloatTensor samples = RequireRank4(latent.Samples);
        int width = PythonRound(samples.Shape[3] * scaleBy), height = PythonRound(samples.Shape[2] * scaleBy);
        if (width < 1 || height < 1)
        {
            throw new InvalidInputException(
                $"Scaling a {samples.Shape[3]}×{samples.Shape[2]} latent by {scaleBy} gives {width}×{height}; " +
                "use a larger scale_by.");
        }

        return latent with { Samples = ImageResize.CommonUpscale(samples, width, height, method, false) };
    }

    /// <summary>SetLatentNoiseMask: <c>noise_mask = mask.reshape(-1, 1, H, W)</c> on a copy of the latent.</summary>
    public static Latent SetNoiseMask(Latent latent, FloatTensor mask)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Rank < 2)
        {
            throw new InvalidInputException($"A MASK needs at least 2 dimensions [H, W], got {mask.ShapeText}.");
        }

        int h = mask.Shape[^2], w = mask.Shape[^1];
        return latent with { NoiseMask = new FloatTensor([mask.Length / (h * w), 1, h, w], mask.Data) };
    }

    /// <summary>Python 3 <c>round()</c> of a float: half to even.</summary>
    public static int PythonRound(double value) => checked((int)Math.Round(value, MidpointRounding.ToEven));

    private static FloatTensor RequireRank4(FloatTensor samples) => samples.Rank == 4
        ? samples
        : throw new InvalidInputException($"Expected latent samples [B, C, H, W], got {samples.ShapeText}.");
}
