using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>Decoded image frames → ComfyUI IMAGE and MASK tensors.</summary>
public static class FrameTensors
{
    /// <summary>The first frame of an image file as IMAGE <c>[1, H, W, 3]</c> in 0..1 (alpha dropped).</summary>
    /// <exception cref="InvalidInputException">Missing or undecodable file.</exception>
    public static FloatTensor LoadImage(string path)
    {
        DecodedFrame frame = ImageCodec.Decode(path).Frames[0];
        var image = new FloatTensor(1, frame.Height, frame.Width, 3);
        for (int p = 0; p < frame.Width * frame.Height; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                image.Data[p * 3 + c] = frame.Rgba[p * 4 + c] / 255f;
            }
        }

        return image;
    }

    /// <summary>
    /// A mask file as MASK <c>[1, H, W]</c>, 1 = repaint: the alpha channel inverted when the image has
    /// transparency (ComfyUI LoadImage's mask), otherwise the luminance of a black/white mask image.
    /// </summary>
    public static FloatTensor LoadMask(string path)
    {
        DecodedImage decoded = ImageCodec.Decode(path);
        DecodedFrame frame = decoded.Frames[0];
        var mask = new FloatTensor(1, frame.Height, frame.Width);
        for (int p = 0; p < frame.Width * frame.Height; p++)
        {
            mask.Data[p] = decoded.HasAlpha
                ? 1f - frame.Rgba[p * 4 + 3] / 255f
                : (0.299f * frame.Rgba[p * 4] + 0.587f * frame.Rgba[p * 4 + 1] + 0.114f * frame.Rgba[p * 4 + 2]) / 255f;
        }

        return mask;
    }
}
