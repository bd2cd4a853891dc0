using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.KSampler;

[Category("Unit")]
public sealed class NoiseMaskTests
{
    [Test]
    public void Bilinear_Upsample2To4_UsesHalfPixelCentres()
    {
        // align_corners = False: source x = (i + ½)·½ − ½ clamped at 0 → 0, 0.25, 0.75, 1 (clamped at the end).
        var output = new float[4];
        NoiseMask.Bilinear([0f, 1f], 1, 2, output, 1, 4);
        Assert.That(output, Is.EqualTo(new[] { 0f, 0.25f, 0.75f, 1f }).Within(1e-6f));
    }

    [Test]
    public void Bilinear_Downsample4To2_SamplesBetweenPixels()
    {
        var output = new float[2];
        NoiseMask.Bilinear([0f, 1f, 2f, 3f], 1, 4, output, 1, 2);
        Assert.That(output, Is.EqualTo(new[] { 0.5f, 2.5f }).Within(1e-6f));
    }

    [Test]
    public void Prepare_SingleMask_RepeatsOverChannelsAndBatch()
    {
        var mask = new FloatTensor([1, 2, 2], [0f, 1f, 1f, 0f]);
        float[] result = NoiseMask.Prepare(mask, [3, 4, 2, 2]);
        Assert.That(result, Has.Length.EqualTo(48));
        for (int plane = 0; plane < 12; plane++)
        {
            Assert.That(result.AsSpan(plane * 4, 4).ToArray(), Is.EqualTo(mask.Data), $"plane {plane}");
        }
    }

    [Test]
    public void Prepare_TwoMasksForBatchThree_TilesLikeRepeatToBatchSize()
    {
        var mask = new FloatTensor([2, 1, 1, 1], [0.2f, 0.7f]);
        float[] result = NoiseMask.Prepare(mask, [3, 1, 1, 1]);
        Assert.That(result, Is.EqualTo(new[] { 0.2f, 0.7f, 0.2f }));
    }
}
