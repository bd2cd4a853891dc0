using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Imaging;
using OnnxDiffusion.TestSupport;
using SkiaSharp;

namespace OnnxDiffusion.Runtime.Tests.Imaging;

[Category("Unit")]
public sealed class ImageCodecTests
{
    [Test]
    public void EncodePng_Rgb_TruncatesLikeNumpyAndWritesRgbColorType()
    {
        // values: 0, 0.5 (127.5 → 127), 0.999 (254.745 → 254), 1.2 (clip 255), −0.1 (clip 0), 1/255 exactly.
        float[] values = [0f, 0.5f, 0.999f, 1.2f, -0.1f, 1f / 255f];
        var image = new FloatTensor([1, 1, 2, 3], values);
        var png = NaivePng.Read(ImageCodec.EncodePng(image, 0, 4));
        Assert.That(png.Channels, Is.EqualTo(3));
        Assert.That((png.Width, png.Height), Is.EqualTo((2, 1)));
        Assert.That(png.Pixels, Is.EqualTo(new byte[] { 0, 127, 254, 255, 0, 1 }));
    }

    [Test]
    public void EncodePng_SecondImageOfBatch_EncodesThatImage()
    {
        var image = new FloatTensor([2, 1, 1, 4], [0f, 0f, 0f, 1f, 0.2f, 0.4f, 0.6f, 0.8f]);
        var png = NaivePng.Read(ImageCodec.EncodePng(image, 1, 1));
        Assert.That(png.Channels, Is.EqualTo(4));
        Assert.That(png.Pixels, Is.EqualTo(new byte[] { 51, 102, 153, 204 }));
    }

    [Test]
    public void EncodePng_SingleChannel_WritesGray()
    {
        var png = NaivePng.Read(ImageCodec.EncodePng(new FloatTensor([1, 1, 2, 1], [0.25f, 1f]), 0, 9));
        Assert.That(png.Channels, Is.EqualTo(1));
        Assert.That(png.Pixels, Is.EqualTo(new byte[] { 63, 255 }));
    }

    [Test]
    public void Decode_IndependentRgbaPng_ReturnsExactPixelsAndAlpha()
    {
        using var dir = new TempDir();
        byte[] pixels = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 4];
        File.WriteAllBytes(dir.File("a.png"), NaivePng.Write(2, 2, 4, pixels));
        var decoded = ImageCodec.Decode(dir.File("a.png"));
        Assert.That(decoded.HasAlpha, Is.True);
        Assert.That(decoded.Frames, Has.Count.EqualTo(1));
        Assert.That(decoded.Frames[0].Rgba, Is.EqualTo(pixels));
    }

    [Test]
    public void Decode_IndependentRgbPng_IsOpaque()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("a.png"), NaivePng.Write(1, 1, 3, [9, 8, 7]));
        var decoded = ImageCodec.Decode(dir.File("a.png"));
        Assert.That(decoded.HasAlpha, Is.False);
        Assert.That(decoded.Frames[0].Rgba, Is.EqualTo(new byte[] { 9, 8, 7, 255 }));
    }

    [Test]
    public void Decode_MissingOrGarbage_ThrowsInvalidInputException()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x.png"), "not an image");
        Assert.Throws<InvalidInputException>(() => ImageCodec.Decode(dir.File("missing.png")));
        Assert.Throws<InvalidInputException>(() => ImageCodec.Decode(dir.File("x.png")));
    }

    [TestCase(SKEncodedOrigin.TopRight, 3, 2, new byte[] { 3, 2, 1, 6, 5, 4 })]
    [TestCase(SKEncodedOrigin.BottomRight, 3, 2, new byte[] { 6, 5, 4, 3, 2, 1 })]
    [TestCase(SKEncodedOrigin.BottomLeft, 3, 2, new byte[] { 4, 5, 6, 1, 2, 3 })]
    [TestCase(SKEncodedOrigin.LeftTop, 2, 3, new byte[] { 1, 4, 2, 5, 3, 6 })]
    [TestCase(SKEncodedOrigin.RightTop, 2, 3, new byte[] { 4, 1, 5, 2, 6, 3 })]
    [TestCase(SKEncodedOrigin.RightBottom, 2, 3, new byte[] { 6, 3, 5, 2, 4, 1 })]
    [TestCase(SKEncodedOrigin.LeftBottom, 2, 3, new byte[] { 3, 6, 2, 5, 1, 4 })]
    public void Orient_ExifOrientation_MatchesHandRotatedImage(SKEncodedOrigin origin, int w, int h, byte[] expected)
    {
        // Stored 3×2 image with pixels 1 2 3 / 4 5 6 (red channel), displayed per EXIF orientation.
        byte[] rgba = new byte[6 * 4];
        for (int i = 0; i < 6; i++)
        {
            rgba[i * 4] = (byte)(i + 1);
        }

        var frame = ImageCodec.Orient(rgba, 3, 2, origin);
        Assert.That((frame.Width, frame.Height), Is.EqualTo((w, h)));
        Assert.That(Enumerable.Range(0, 6).Select(i => frame.Rgba[i * 4]), Is.EqualTo(expected));
    }
}
