using System.Runtime.InteropServices;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using SkiaSharp;

namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>
/// Image files through SkiaSharp: PNG encoding of IMAGE tensors (uint8 by truncation, as ComfyUI's numpy
/// <c>astype</c>) and decoding of PNG/JPEG/WebP/GIF/BMP to straight RGBA frames with EXIF orientation applied.
/// </summary>
public static class ImageCodec
{
    /// <summary>Encodes image <paramref name="index"/> of <c>[B, H, W, C]</c> (C = 1, 3 or 4) as PNG.</summary>
    /// <param name="nhwc">IMAGE tensor, values 0..1 (clipped).</param>
    /// <param name="index">Batch index.</param>
    /// <param name="compressionLevel">zlib level 0-9 (ComfyUI SaveImage 4, PreviewImage 1).</param>
    /// <exception cref="ArgumentException">Wrong rank or channel count.</exception>
    public static byte[] EncodePng(FloatTensor nhwc, int index, int compressionLevel)
    {
        ArgumentNullException.ThrowIfNull(nhwc);
        if (nhwc.Rank != 4 || nhwc.Shape[3] is not (1 or 3 or 4))
        {
            throw new ArgumentException($"Expected an IMAGE [B, H, W, C] with C = 1, 3 or 4, got {nhwc.ShapeText}.",
                nameof(nhwc));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, nhwc.Shape[0]);
        int h = nhwc.Shape[1], w = nhwc.Shape[2], c = nhwc.Shape[3];
        var colorType = c == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888;
        var alphaType = c == 4 ? SKAlphaType.Unpremul : SKAlphaType.Opaque;
        var info = new SKImageInfo(w, h, colorType, alphaType);
        byte[] pixels = ToBytes(nhwc.Data.AsSpan(index * h * w * c, h * w * c), c);
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using SKData? data = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters,
                Math.Clamp(compressionLevel, 0, 9)));
            return data?.ToArray() ?? throw new RuntimeFailureException($"SkiaSharp failed to encode a {w}×{h} PNG.");
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>Decodes every frame of <paramref name="path"/>, applying EXIF orientation.</summary>
    /// <exception cref="InvalidInputException">The file is missing or not a decodable image.</exception>
    public static DecodedImage Decode(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"Image file '{path}' does not exist.");
        }

        using var codec = SKCodec.Create(path)
            ?? throw new InvalidInputException(
                $"'{path}' is not an image SkiaSharp can decode (PNG, JPEG, WebP, GIF, BMP).");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        int frameCount = Math.Max(codec.FrameCount, 1);
        var frames = new List<DecodedFrame>(frameCount);
        byte[]? previous = null;
        for (int f = 0; f < frameCount; f++)
        {
            byte[] pixels = previous is null ? new byte[info.BytesSize] : (byte[])previous.Clone();
            int prior = codec.FrameCount > 1 && f > 0 ? f - 1 : -1;
            var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
            try
            {
                var result = codec.GetPixels(info, handle.AddrOfPinnedObject(), new SKCodecOptions(f, prior));
                if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                {
                    throw new InvalidInputException($"Cannot decode frame {f} of '{path}': {result}.");
                }
            }
            finally
            {
                handle.Free();
            }

            previous = pixels;
            frames.Add(Orient(pixels, info.Width, info.Height, codec.EncodedOrigin));
        }

        bool hasAlpha = codec.Info.AlphaType != SKAlphaType.Opaque;
        return new DecodedImage(frames, hasAlpha, codec.EncodedFormat.ToString());
    }

    private static byte[] ToBytes(ReadOnlySpan<float> values, int channels)
    {
        int pixels = values.Length / channels;
        int outChannels = channels == 1 ? 1 : 4;
        var bytes = new byte[pixels * outChannels];
        for (int p = 0; p < pixels; p++)
        {
            for (int k = 0; k < outChannels; k++)
            {
                bytes[p * outChannels + k] =
                    k < channels ? LanczosResampler.ToByte(values[p * channels + k]) : (byte)255;
            }
        }

        return bytes;
    }

    /// <summary>Applies an EXIF orientation (1-8) to RGBA pixels, as PIL's <c>exif_transpose</c>.</summary>
    internal static DecodedFrame Orient(byte[] rgba, int width, int height, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0)
        {
            return new DecodedFrame(width, height, rgba);
        }

        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int outW = swap ? height : width, outH = swap ? width : height;
        var result = new byte[rgba.Length];
        for (int y = 0; y < outH; y++)
        {
            for (int x = 0; x < outW; x++)
            {
                (int sx, int sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (width - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (width - 1 - x, height - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, height - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, height - 1 - x),
                    SKEncodedOrigin.RightBottom => (width - 1 - y, height - 1 - x),
                    SKEncodedOrigin.LeftBottom => (width - 1 - y, x),
                    _ => (x, y),
                };
                Buffer.BlockCopy(rgba, (sy * width + sx) * 4, result, (y * outW + x) * 4, 4);
            }
        }

        return new DecodedFrame(outW, outH, result);
    }
}
