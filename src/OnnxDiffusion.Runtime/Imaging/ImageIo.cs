using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using SkiaSharp;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// Image files ↔ ComfyUI's IMAGE layout (<see cref="FloatTensor"/> <c>[B, H, W, 3]</c>, values 0..1) and MASK
/// layout (<c>[B, H, W]</c>), through SkiaSharp. PNG output can carry tEXt chunks; writes are atomic.
/// </summary>
public static class ImageIo
{
    /// <summary>Decodes an image file to <c>[1, H, W, 3]</c> RGB in 0..1 (alpha dropped).</summary>
    /// <exception cref="InvalidInputException">The file is missing or not a decodable image.</exception>
    public static FloatTensor LoadRgb(string path) => Decode(path, out _, alphaAsMask: false).Image;

    /// <summary>
    /// Decodes an image to RGB plus a mask <c>[1, H, W]</c> taken from <paramref name="channel"/>
    /// (<c>alpha</c>, <c>red</c>, <c>green</c>, <c>blue</c>). For alpha, as ComfyUI's LoadImage, mask = 1 − alpha.
    /// </summary>
    public static (FloatTensor Image, FloatTensor Mask) LoadWithMask(string path, string channel = "alpha")
    {
        var (image, bitmap) = Decode(path, out int channelIndex, alphaAsMask: true, channel);
        using (bitmap)
        {
            int h = image.Shape[1];
            int w = image.Shape[2];
            var mask = new FloatTensor(1, h, w);
            ReadOnlySpan<byte> px = bitmap.GetPixelSpan();
            for (int i = 0; i < h * w; i++)
            {
                float v = px[i * 4 + channelIndex] / 255f;
                mask.Data[i] = channelIndex == 3 ? 1f - v : v;
            }

            return (image, mask);
        }
    }

    /// <summary>Encodes image <paramref name="index"/> of an IMAGE tensor as PNG bytes with optional tEXt chunks.</summary>
    public static byte[] EncodePng(FloatTensor images, int index, IEnumerable<KeyValuePair<string, string>>? text = null)
    {
        if (images.Rank != 4 || images.Shape[3] is not (3 or 4))
        {
            throw new ArgumentException($"IMAGE must be [B, H, W, 3], got {images.ShapeText}.", nameof(images));
        }

        int h = images.Shape[1];
        int w = images.Shape[2];
        int c = images.Shape[3];
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Span<byte> px = bitmap.GetPixelSpan();
        ReadOnlySpan<float> src = images.Data.AsSpan(index * h * w * c, h * w * c);
        for (int i = 0; i < h * w; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                px[i * 4 + k] = ToByte(src[i * c + k]);
            }

            px[i * 4 + 3] = c == 4 ? ToByte(src[i * c + 3]) : (byte)255;
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        byte[] png = data.ToArray();
        return text is null ? png : PngText.Insert(png, text);
    }

    /// <summary>Writes PNG bytes atomically (temporary file, then rename).</summary>
    public static void WriteAtomic(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>ComfyUI's float → 8-bit rule: clip(x·255, 0, 255) truncated to an integer.</summary>
    public static byte ToByte(float value)
    {
        float v = value * 255f;
        return v <= 0f || float.IsNaN(v) ? (byte)0 : v >= 255f ? (byte)255 : (byte)v;
    }

    private static (FloatTensor Image, SKBitmap Bitmap) Decode(
        string path, out int channelIndex, bool alphaAsMask, string channel = "alpha")
    {
        channelIndex = channel switch
        {
            "red" => 0, "green" => 1, "blue" => 2, "alpha" => 3,
            _ => throw new InvalidInputException($"Unknown mask channel '{channel}'. Valid: alpha, red, green, blue."),
        };
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"Image file {path} does not exist.");
        }

        using var codec = SKCodec.Create(path)
            ?? throw new InvalidInputException($"{path} is not an image SkiaSharp can decode (PNG, JPEG, WebP, ...).");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var status = codec.GetPixels(info, bitmap.GetPixels());
        if (status is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            bitmap.Dispose();
            throw new InvalidInputException($"Cannot decode {path}: {status}.");
        }

        int h = info.Height;
        int w = info.Width;
        var image = new FloatTensor(1, h, w, 3);
        ReadOnlySpan<byte> px = bitmap.GetPixelSpan();
        for (int i = 0; i < h * w; i++)
        {
            image.Data[i * 3] = px[i * 4] / 255f;
            image.Data[i * 3 + 1] = px[i * 4 + 1] / 255f;
            image.Data[i * 3 + 2] = px[i * 4 + 2] / 255f;
        }

        if (!alphaAsMask)
        {
            bitmap.Dispose();
        }

        return (image, bitmap);
    }
}
