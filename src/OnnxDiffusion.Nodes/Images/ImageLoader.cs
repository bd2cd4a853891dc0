using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Nodes.Images;

/// <summary>
/// LoadImage and LoadImageMask semantics (nodes.py): EXIF orientation applied; RGB in 0..1 from 8-bit values;
/// MASK = 1 − alpha/255 when the file has alpha (or palette transparency), else a zero 64×64 mask; every frame
/// of the first frame's size becomes one batch entry (other sizes are skipped; MPO keeps only the first).
/// </summary>
public static class ImageLoader
{
    /// <summary>Loads <paramref name="path"/> as (IMAGE <c>[B, H, W, 3]</c>, MASK <c>[B, h, w]</c>).</summary>
    /// <exception cref="InvalidInputException">Missing or undecodable file.</exception>
    public static (FloatTensor Image, FloatTensor Mask) LoadImage(string path)
    {
        DecodedImage decoded = ImageCodec.Decode(path);
        var frames = Frames(decoded);
        int w = frames[0].Width, h = frames[0].Height;
        var image = new FloatTensor(frames.Count, h, w, 3);
        FloatTensor mask = decoded.HasAlpha
            ? new FloatTensor(frames.Count, h, w)
            : new FloatTensor(frames.Count, 64, 64);
        for (int b = 0; b < frames.Count; b++)
        {
            byte[] rgba = frames[b].Rgba;
            for (int p = 0; p < w * h; p++)
            {
                for (int k = 0; k < 3; k++)
                {
                    image.Data[(b * w * h + p) * 3 + k] = rgba[p * 4 + k] / 255f;
                }

                if (decoded.HasAlpha)
                {
                    mask.Data[b * w * h + p] = 1f - rgba[p * 4 + 3] / 255f;
                }
            }
        }

        return (image, mask);
    }

    /// <summary>
    /// LoadImageMask: channel <c>alpha</c>, <c>red</c>, <c>green</c> or <c>blue</c> of the first frame as
    /// <c>[1, H, W]</c> in 0..1; alpha is inverted (1 − a/255), and is 0 everywhere for opaque images.
    /// </summary>
    /// <exception cref="InvalidInputException">Missing or undecodable file, or an unknown channel.</exception>
    public static FloatTensor LoadMask(string path, string channel)
    {
        int index = channel switch
        {
            ComfyNames.Options.Red => 0,
            ComfyNames.Options.Green => 1,
            ComfyNames.Options.Blue => 2,
            ComfyNames.Options.Alpha => 3,
            _ => throw new InvalidInputException(
                $"Unknown channel '{channel}'. Valid: {string.Join(", ", ComfyNames.Options.ColorChannels)}."),
        };
        DecodedFrame frame = ImageCodec.Decode(path).Frames[0];
        var mask = new FloatTensor(1, frame.Height, frame.Width);
        for (int p = 0; p < mask.Length; p++)
        {
            float v = frame.Rgba[p * 4 + index] / 255f;
            mask.Data[p] = index == 3 ? 1f - v : v;
        }

        return mask;
    }

    private static List<DecodedFrame> Frames(DecodedImage decoded)
    {
        var first = decoded.Frames[0];
        if (decoded.Format.Equals("Mpo", StringComparison.OrdinalIgnoreCase))
        {
            return [first];
        }

        return decoded.Frames.Where(f => f.Width == first.Width && f.Height == first.Height).ToList();
    }
}
