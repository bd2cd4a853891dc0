using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>ComfyUI's <c>prepare_mask</c> / <c>comfy.utils.reshape_mask</c> for a LATENT <c>noise_mask</c>.</summary>
public static class NoiseMask
{
    /// <summary>
    /// Brings <paramref name="mask"/> (any rank ≥ 2; the last two axes are height and width, the rest are folded
    /// into the batch) to the latent's <c>[B, C, H, W]</c>: bilinear resize (torch <c>interpolate</c>,
    /// align_corners = False, no antialias), repeat over channels, then repeat or truncate to the batch size.
    /// </summary>
    /// <exception cref="InvalidInputException">The mask has fewer than two axes or an empty axis.</exception>
    public static float[] Prepare(FloatTensor mask, ReadOnlySpan<int> latentShape)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Rank < 2 || mask.Length == 0)
        {
            throw new InvalidInputException($"noise_mask must be at least 2-D and non-empty; got {mask.ShapeText}.");
        }

        int inH = mask.Shape[^2];
        int inW = mask.Shape[^1];
        int count = mask.Length / (inH * inW);
        (int batch, int channels, int height, int width) =
            (latentShape[0], latentShape[1], latentShape[2], latentShape[3]);
        int plane = height * width;
        var resized = new float[count * plane];
        for (int m = 0; m < count; m++)
        {
            ReadOnlySpan<float> source = mask.Data.AsSpan(m * inH * inW, inH * inW);
            Bilinear(source, inH, inW, resized.AsSpan(m * plane, plane), height, width);
        }

        var result = new float[batch * channels * plane];
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> source = resized.AsSpan(b % count * plane, plane); // tile, or keep the first B
            for (int c = 0; c < channels; c++)
            {
                source.CopyTo(result.AsSpan(((b * channels) + c) * plane, plane));
            }
        }

        return result;
    }

    /// <summary>torch bilinear resize with align_corners = False (half-pixel centres, clamped at 0).</summary>
    internal static void Bilinear(ReadOnlySpan<float> input, int inH, int inW, Span<float> output, int outH, int outW)
    {
        float scaleH = (float)inH / outH;
        float scaleW = (float)inW / outW;
        for (int y = 0; y < outH; y++)
        {
            (int y0, int y1, float ly) = Source(y, scaleH, inH);
            for (int x = 0; x < outW; x++)
            {
                (int x0, int x1, float lx) = Source(x, scaleW, inW);
                float top = ((1 - lx) * input[(y0 * inW) + x0]) + (lx * input[(y0 * inW) + x1]);
                float bottom = ((1 - lx) * input[(y1 * inW) + x0]) + (lx * input[(y1 * inW) + x1]);
                output[(y * outW) + x] = ((1 - ly) * top) + (ly * bottom);
            }
        }
    }

    private static (int Low, int High, float Lambda) Source(int index, float scale, int size)
    {
        float source = MathF.Max((scale * (index + 0.5f)) - 0.5f, 0f);
        int low = Math.Min((int)source, size - 1);
        int high = low < size - 1 ? low + 1 : low;
        return (low, high, source - low);
    }
}
