using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Images;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class ImageOpsTests
{
    private static FloatTensor Image(int h, int w)
    {
        var t = new FloatTensor(1, h, w, 3);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = i;
        }

        return t;
    }

    [Test]
    public void Crop_Inside_ReturnsWindow()
    {
        var result = ImageOps.Crop(Image(4, 5), 2, 1, 1, 2);
        // Row 2, columns 1..2: pixel index (2·5 + 1) = 11 → values 33, 34, 35, then 36, 37, 38.
        Assert.That(result.Shape, Is.EqualTo(new[] { 1, 1, 2, 3 }));
        Assert.That(result.Data, Is.EqualTo(new float[] { 33, 34, 35, 36, 37, 38 }));
    }

    [Test]
    public void Crop_PastTheBorder_ClampsStartAndClipsSize()
    {
        var result = ImageOps.Crop(Image(4, 5), 512, 512, 10, 3);
        // x = min(10, 4) = 4, y = 3: one pixel, index 3·5 + 4 = 19.
        Assert.That(result.Shape, Is.EqualTo(new[] { 1, 1, 1, 3 }));
        Assert.That(result.Data, Is.EqualTo(new float[] { 57, 58, 59 }));
    }

    [TestCase(0, 0, 2, 4)]
    [TestCase(0, 3, 3, 6)]  // width = round(4·3/2) = 6
    [TestCase(5, 0, 2, 5)]  // height = round(2·5/4) = round(2.5) = 2 (half to even)
    [TestCase(7, 9, 9, 7)]
    public void Scale_Sizes_FollowComfyRules(int width, int height, int expectedH, int expectedW)
    {
        var result = ImageOps.Scale(Image(2, 4), ResizeMethod.NearestExact, width, height, false);
        Assert.That(result.Shape, Is.EqualTo(new[] { 1, expectedH, expectedW, 3 }));
    }

    [Test]
    public void Scale_MatchesResizeInChannelsFirstLayout()
    {
        var image = Image(3, 5);
        var expected = ImageTensors.NchwToNhwc(
            ImageResize.Resize(ImageTensors.NhwcToNchw(image), 7, 4, ResizeMethod.Bicubic));
        Assert.That(ImageOps.Scale(image, ResizeMethod.Bicubic, 7, 4, false).Data, Is.EqualTo(expected.Data));
    }

    [Test]
    public void ScaleBy_Factor_RoundsEachSide()
    {
        var result = ImageOps.ScaleBy(Image(3, 5), ResizeMethod.Area, 1.5);
        Assert.That(result.Shape, Is.EqualTo(new[] { 1, 4, 8, 3 })); // round(4.5) = 4, round(7.5) = 8
    }

    [Test]
    public void NhwcNchw_RoundTrip_IsIdentityAndMovesChannels()
    {
        var image = Image(2, 3);
        var nchw = ImageTensors.NhwcToNchw(image);
        Assert.That(nchw.Shape, Is.EqualTo(new[] { 1, 3, 2, 3 }));
        Assert.That(nchw.Data[1 * 6 + 1 * 3 + 2], Is.EqualTo(image.Data[(1 * 3 + 2) * 3 + 1]));
        Assert.That(ImageTensors.NchwToNhwc(nchw).Data, Is.EqualTo(image.Data));
    }
}
