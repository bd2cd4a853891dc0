using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// ComfyUI's <c>common_upscale</c> on channels-first tensors <c>[N, C, H, W]</c> (latents, or images moved to
/// NCHW): an optional centre crop to the target aspect ratio, then one of the <see cref="ResizeMethod"/>s.
/// Inputs are never modified; results are new tensors.
/// </summary>
public static class ImageResize
{
    /// <summary>Centre-crops to the aspect of <paramref name="width"/>×<paramref name="height"/> when asked, then
    /// resizes to exactly that size.</summary>
    /// <param name="nchw">Input <c>[N, C, H, W]</c>.</param>
    /// <param name="width">Target width in elements (≥ 1).</param>
    /// <param name="height">Target height in elements (≥ 1).</param>
    /// <param name="method">Resampling method.</param>
    /// <param name="centerCrop">ComfyUI crop <c>center</c> (true) or <c>disabled</c> (false).</param>
    public static FloatTensor CommonUpscale(
        FloatTensor nchw, int width, int height, ResizeMethod method, bool centerCrop)
    {
        FloatTensor source = centerCrop ? CropToAspect(nchw, width, height) : nchw;
        return Resize(source, width, height, method);
    }

    /// <summary>
    /// ComfyUI's centre crop: when the aspect ratios differ, cuts round((old − old·ratio)/2) from both sides of
    /// the longer axis (Python's round-half-even).
    /// </summary>
    public static FloatTensor CropToAspect(FloatTensor nchw, int width, int height)
    {
        RequireRank4(nchw);
        int oldH = nchw.Shape[2], oldW = nchw.Shape[3];
        double oldAspect = (double)oldW / oldH;
        double newAspect = (double)width / height;
        int x = 0, y = 0;
        if (oldAspect > newAspect)
        {
            x = (int)Math.Round((oldW - oldW * (newAspect / oldAspect)) / 2, MidpointRounding.ToEven);
        }
        else if (oldAspect < newAspect)
        {
            y = (int)Math.Round((oldH - oldH * (oldAspect / newAspect)) / 2, MidpointRounding.ToEven);
        }

        return ImageTensors.CropNchw(nchw, x, y, oldW - 2 * x, oldH - 2 * y);
    }

    /// <summary>Resizes <c>[N, C, H, W]</c> to <c>[N, C, height, width]</c>.</summary>
    /// <exception cref="ArgumentException">Not 4-D, or a target size below 1.</exception>
    public static FloatTensor Resize(FloatTensor nchw, int width, int height, ResizeMethod method)
    {
        RequireRank4(nchw);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        return method switch
        {
            ResizeMethod.Lanczos => LanczosResampler.Resize(nchw, width, height),
            ResizeMethod.Bislerp => BislerpResampler.Resize(nchw, width, height),
            _ => Separable(nchw, AxisWeights.For(method, nchw.Shape[3], width),
                AxisWeights.For(method, nchw.Shape[2], height)),
        };
    }

    private static FloatTensor Separable(FloatTensor input, AxisWeights horizontal, AxisWeights vertical)
    {
        int n = input.Shape[0], c = input.Shape[1], inH = input.Shape[2], inW = input.Shape[3];
        int outW = horizontal.OutputSize, outH = vertical.OutputSize;
        var output = new FloatTensor(n, c, outH, outW);
        var rows = new float[inH * outW];
        for (int plane = 0; plane < n * c; plane++)
        {
            ReadOnlySpan<float> src = input.Data.AsSpan(plane * inH * inW, inH * inW);
            for (int y = 0; y < inH; y++)
            {
                ApplyAxis(horizontal, src.Slice(y * inW, inW), 1, rows.AsSpan(y * outW, outW), 1);
            }

            Span<float> dst = output.Data.AsSpan(plane * outH * outW, outH * outW);
            for (int x = 0; x < outW; x++)
            {
                ApplyAxis(vertical, rows.AsSpan(x), outW, dst[x..], outW);
            }
        }

        return output;
    }

    private static void ApplyAxis(
        AxisWeights axis, ReadOnlySpan<float> src, int srcStride, Span<float> dst, int dstStride)
    {
        for (int o = 0; o < axis.OutputSize; o++)
        {
            float sum = 0f;
            for (int t = axis.Offsets[o]; t < axis.Offsets[o + 1]; t++)
            {
                sum += src[axis.Indices[t] * srcStride] * axis.Weights[t];
            }

            dst[o * dstStride] = sum;
        }
    }

    private static void RequireRank4(FloatTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank != 4)
        {
            throw new ArgumentException($"Expected a [N, C, H, W] tensor, got {tensor.ShapeText}.", nameof(tensor));
        }
    }
}
