using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Latents;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Nodes.Images;

/// <summary>ComfyUI's image transform nodes as library functions on IMAGE tensors <c>[B, H, W, C]</c>.</summary>
public static class ImageOps
{
    /// <summary>
    /// ImageScale: both sizes 0 passes the image through; one 0 follows the aspect ratio (at least 1); then
    /// <see cref="ImageResize.CommonUpscale"/>.
    /// </summary>
    public static FloatTensor Scale(FloatTensor image, ResizeMethod method, int width, int height, bool centerCrop)
    {
        RequireImage(image);
        if (width == 0 && height == 0)
        {
            return image;
        }

        int h = image.Shape[1], w = image.Shape[2];
        if (width == 0)
        {
            width = Math.Max(1, LatentOps.PythonRound((double)w * height / h));
        }
        else if (height == 0)
        {
            height = Math.Max(1, LatentOps.PythonRound((double)h * width / w));
        }

        FloatTensor nchw = ImageTensors.NhwcToNchw(image);
        return ImageTensors.NchwToNhwc(ImageResize.CommonUpscale(nchw, width, height, method, centerCrop));
    }

    /// <summary>ImageScaleBy: round(w·s) × round(h·s), no crop.</summary>
    /// <exception cref="InvalidInputException">The scaled size rounds to 0.</exception>
    public static FloatTensor ScaleBy(FloatTensor image, ResizeMethod method, double scaleBy)
    {
        RequireImage(image);
        int width = LatentOps.PythonRound(image.Shape[2] * scaleBy);
        int height = LatentOps.PythonRound(image.Shape[1] * scaleBy);
        if (width < 1 || height < 1)
        {
            throw new InvalidInputException(
                $"Scaling a {image.Shape[2]}×{image.Shape[1]} image by {scaleBy} gives {width}×{height}; " +
                "use a larger scale_by.");
        }

        FloatTensor nchw = ImageTensors.NhwcToNchw(image);
        return ImageTensors.NchwToNhwc(ImageResize.Resize(nchw, width, height, method));
    }

    /// <summary>
    /// ImageCrop: x = min(x, W−1), y = min(y, H−1), then the window clipped at the border (so the result can be
    /// smaller than asked).
    /// </summary>
    public static FloatTensor Crop(FloatTensor image, int width, int height, int x, int y)
    {
        RequireImage(image);
        int h = image.Shape[1], w = image.Shape[2];
        x = Math.Min(x, w - 1);
        y = Math.Min(y, h - 1);
        int cropW = Math.Min(x + width, w) - x, cropH = Math.Min(y + height, h) - y;
        return ImageTensors.CropNhwc(image, x, y, cropW, cropH);
    }

    private static void RequireImage(FloatTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Rank != 4)
        {
            throw new InvalidInputException($"Expected IMAGE [B, H, W, C], got {image.ShapeText}.");
        }
    }
}
