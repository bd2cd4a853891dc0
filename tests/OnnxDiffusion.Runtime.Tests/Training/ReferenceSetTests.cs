using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Training;

namespace OnnxDiffusion.Runtime.Tests.Training;

[Category("Unit")]
public sealed class ReferenceSetTests
{
    private static readonly FloatTensor s_latents = new(2, 4, 2, 2);

    [Test]
    public void FromLatents_NoMask_ThrowsTheSeedMessage() =>
        Assert.That(() => ReferenceSet.FromLatents(s_latents, new FloatTensor(0, 4, 4)),
            Throws.InstanceOf<InvalidInputException>().With.Message.EqualTo("at least one reference mask is required"));

    [Test]
    public void FromLatents_ThreeMasksForTwoImages_ThrowsTheSeedMessage() =>
        Assert.That(() => ReferenceSet.FromLatents(s_latents, new FloatTensor(3, 4, 4)),
            Throws.InstanceOf<InvalidInputException>().With.Message
                .EqualTo("reference mask count must be 1 or match reference image count"));

    [Test]
    public void FromLatents_ThreeDimensionalLatents_ThrowsTheSeedMessage() =>
        Assert.That(() => ReferenceSet.FromLatents(new FloatTensor(2, 4, 4), new FloatTensor(1, 4, 4)),
            Throws.InstanceOf<InvalidInputException>().With.Message
                .EqualTo("masked context training expects 4D or 5D reference latents"));

    [Test]
    public void FromLatents_OneMask_IsClampedAreaDownsampledAndShared()
    {
        var mask = new FloatTensor(1, 4, 4);
        for (int p = 0; p < 16; p++)
        {
            mask.Data[p] = p % 4 < 2 ? 2f : -1f;                     // left half above 1, right half below 0
        }

        ReferenceSet set = ReferenceSet.FromLatents(s_latents, mask);
        Assert.That(set.Masks.Shape, Is.EqualTo(new[] { 2, 1, 2, 2 }));
        Assert.That(set.Masks.Data, Is.EqualTo(new float[] { 1, 0, 1, 0, 1, 0, 1, 0 }));
    }

    [Test]
    public void FromLatents_FiveDimensionalSingleFrame_DropsTheTimeAxis()
    {
        ReferenceSet set = ReferenceSet.FromLatents(new FloatTensor(2, 16, 1, 2, 2), new FloatTensor(2, 2, 2));
        Assert.That(set.Latents.Shape, Is.EqualTo(new[] { 2, 16, 2, 2 }));
    }
}
