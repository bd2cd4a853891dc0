namespace OnnxDiffusion.Runtime.Imaging;

/// <summary>One decoded frame: straight (unpremultiplied) RGBA, 8 bits per channel, row-major.</summary>
/// <param name="Width">Width in pixels (after EXIF orientation).</param>
/// <param name="Height">Height in pixels (after EXIF orientation).</param>
/// <param name="Rgba">Pixels, 4 bytes each, <c>Width·Height·4</c> long.</param>
public sealed record DecodedFrame(int Width, int Height, byte[] Rgba);

/// <summary>A decoded image file.</summary>
/// <param name="Frames">Frames in order (one for still images).</param>
/// <param name="HasAlpha">The file has an alpha channel or palette transparency.</param>
/// <param name="Format">Encoded format name, e.g. <c>Png</c>, <c>Jpeg</c>, <c>Gif</c>, <c>Webp</c>.</param>
public sealed record DecodedImage(IReadOnlyList<DecodedFrame> Frames, bool HasAlpha, string Format);
