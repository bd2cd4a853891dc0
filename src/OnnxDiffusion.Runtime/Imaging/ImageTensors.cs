using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>Layout changes and crops of image tensors (channels-last IMAGE <c>[B, H, W, C]</c> and NCHW).</summary>
public static class ImageTensors
{
    /// <summary><c>[B, H, W, C]</c> → <c>[B, C, H, W]</c> (a copy).</summary>
    public static FloatTensor NhwcToNchw(FloatTensor nhwc)
    {
        RequireRank4(nhwc);
        int b = nhwc.Shape[0], h = nhwc.Shape[1], w = nhwc.Shape[2], c = nhwc.Shape[3];
        var result = new FloatTensor(b, c, h, w);
        for (int n = 0; n < b; n++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int src = ((n * h + y) * w + x) * c;
                    for (int k = 0; k < c; k++)
                    {
                        result.Data[((n * c + k) * h + y) * w + x] = nhwc.Data[src + k];
                    }
                }
            }
        }

        return result;
    }

    /// <summary><c>[B, C, H, W]</c> → <c>[B, H, W, C]</c> (a copy).</summary>
    public static FloatTensor NchwToNhwc(FloatTensor nchw)
    {
        RequireRank4(nchw);
        int b = nchw.Shape[0], c = nchw.Shape[1], h = nchw.Shape[2], w = nchw.Shape[3];
        var result = new FloatTensor(b, h, w, c);
        for (int n = 0; n < b; n++)
        {
            for (int k = 0; k < c; k++)
            {
                for (int y = 0; y < h; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        result.Data[((n * h + y) * w + x) * c + k] = nchw.Data[((n * c + k) * h + y) * w + x];
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The window <c>[y, y+height) × [x, x+width)</c> of every plane of <c>[N, C, H, W]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window leaves the tensor.</exception>
    public static FloatTensor CropNchw(FloatTensor nchw, int x, int y, int width, int height)
    {
        RequireRank4(nchw);
        int planes = nchw.Shape[0] * nchw.Shape[1], h = nchw.Shape[2], w = nchw.Shape[3];
        CheckWindow(x, y, width, height, w, h);
        var result = new FloatTensor(nchw.Shape[0], nchw.Shape[1], height, width);
        for (int p = 0; p < planes; p++)
        {
            for (int row = 0; row < height; row++)
            {
                nchw.Data.AsSpan((p * h + y + row) * w + x, width)
                    .CopyTo(result.Data.AsSpan((p * height + row) * width, width));
            }
        }

        return result;
    }

    /// <summary>The window <c>[y, y+height) × [x, x+width)</c> of every image of <c>[B, H, W, C]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window leaves the tensor.</exception>
    public static FloatTensor CropNhwc(FloatTensor nhwc, int x, int y, int width, int height)
    {
        RequireRank4(nhwc);
        int b = nhwc.Shape[0], h = nhwc.Shape[1], w = nhwc.Shape[2], c = nhwc.Shape[3];
        CheckWindow(x, y, width, height, w, h);
        var result = new FloatTensor(b, height, width, c);
        for (int n = 0; n < b; n++)
        {
            for (int row = 0; row < height; row++)
            {
                nhwc.Data.AsSpan(((n * h + y + row) * w + x) * c, width * c)
                    .CopyTo(result.Data.AsSpan(((n * height) + row) * width * c, width * c));
            }
        }

        return result;
    }

    private static void CheckWindow(int x, int y, int width, int height, int w, int h)
    {
        if (x < 0 || y < 0 || width < 0 || height < 0 || x + width > w || y + height > h)
        {
            throw new ArgumentOutOfRangeException(
                nameof(x), $"Window x={x}, y={y}, {width}×{height} leaves the {w}×{h} image.");
        }
    }

    private static void RequireRank4(FloatTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank != 4)
        {
            throw new ArgumentException($"Expected a 4-D tensor, got {tensor.ShapeText}.", nameof(tensor));
        }
    }
}
