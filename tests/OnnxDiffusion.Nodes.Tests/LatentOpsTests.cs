using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Nodes.Latents;
using OnnxDiffusion.Nodes.Values;
using OnnxDiffusion.Runtime.Imaging;

namespace OnnxDiffusion.Nodes.Tests;

[Category("Unit")]
public sealed class LatentOpsTests
{
    private static Latent Ramp(int b, int h, int w)
    {
        var t = new FloatTensor(b, 4, h, w);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = i * 0.01f;
        }

        return new Latent(t);
    }

    [TestCase(512, 512, 1, 64, 64)]
    [TestCase(520, 515, 2, 64, 65)]
    [TestCase(16, 24, 3, 3, 2)]
    public void Empty_Size_ZerosWithIntegerDivision(int width, int height, int batch, int h, int w)
    {
        var latent = LatentOps.Empty(width, height, batch);
        Assert.That(latent.Samples.Shape, Is.EqualTo(new[] { batch, 4, h, w }));
        Assert.That(latent.Samples.Data, Has.All.EqualTo(0f));
        Assert.That(latent.NoiseMask, Is.Null);
    }

    [Test]
    public void Upscale_BothZero_ReturnsSameLatent()
    {
        var latent = Ramp(1, 8, 8);
        Assert.That(LatentOps.Upscale(latent, ResizeMethod.Bilinear, 0, 0, false), Is.SameAs(latent));
    }

    // A 12×16 latent (96×128 px). Width from aspect: round(16·1024/12) = 1365 px → 170 latent columns.
    [TestCase(0, 1024, 128, 170)]
    // Height from aspect: round(12·1024/16) = 768 px → 96 latent rows.
    [TestCase(1024, 0, 96, 128)]
    // Each side at least 64 px → 8 latent.
    [TestCase(8, 8, 8, 8)]
    [TestCase(200, 100, 12, 25)]
    public void Upscale_Sizes_FollowComfyRules(int width, int height, int expectedH, int expectedW)
    {
        var latent = Ramp(1, 12, 16);
        var result = LatentOps.Upscale(latent, ResizeMethod.NearestExact, width, height, false);
        Assert.That(result.Samples.Shape, Is.EqualTo(new[] { 1, 4, expectedH, expectedW }));
    }

    [Test]
    public void Upscale_KeepsNoiseMaskAndBatchIndex()
    {
        var mask = new FloatTensor(1, 1, 8, 8);
        var latent = Ramp(1, 8, 8) with { NoiseMask = mask, BatchIndex = [3] };
        var result = LatentOps.Upscale(latent, ResizeMethod.Bilinear, 128, 128, false);
        Assert.That(result.NoiseMask, Is.SameAs(mask));
        Assert.That(result.BatchIndex, Is.EqualTo(new[] { 3 }));
        Assert.That(latent.Samples.Shape, Is.EqualTo(new[] { 1, 4, 8, 8 }), "input unchanged");
    }

    [TestCase(5, 1.5, 8)] // 7.5 → 8 (half to even)
    [TestCase(3, 1.5, 4)] // 4.5 → 4 (half to even)
    [TestCase(8, 0.5, 4)]
    public void UpscaleBy_Scale_RoundsHalfToEven(int size, double scale, int expected)
    {
        var result = LatentOps.UpscaleBy(Ramp(1, size, size), ResizeMethod.Bicubic, scale);
        Assert.That(result.Samples.Shape, Is.EqualTo(new[] { 1, 4, expected, expected }));
    }

    [Test]
    public void UpscaleBy_MatchesDirectResize()
    {
        var latent = Ramp(2, 6, 4);
        var result = LatentOps.UpscaleBy(latent, ResizeMethod.Bilinear, 2.0);
        var direct = ImageResize.Resize(latent.Samples, 8, 12, ResizeMethod.Bilinear);
        Assert.That(result.Samples.Data, Is.EqualTo(direct.Data));
    }

    [Test]
    public void UpscaleBy_RoundsToZero_ThrowsInvalidInput()
    {
        Assert.Throws<InvalidInputException>(() => LatentOps.UpscaleBy(Ramp(1, 2, 2), ResizeMethod.Area, 0.01));
    }

    [TestCase(new[] { 8, 8 }, new[] { 1, 1, 8, 8 })]
    [TestCase(new[] { 2, 8, 6 }, new[] { 2, 1, 8, 6 })]
    public void SetNoiseMask_Mask_ReshapedToBatch1HW(int[] maskShape, int[] expected)
    {
        var mask = new FloatTensor(maskShape);
        var result = LatentOps.SetNoiseMask(Ramp(1, 8, 8), mask);
        Assert.That(result.NoiseMask!.Shape, Is.EqualTo(expected));
    }
}
