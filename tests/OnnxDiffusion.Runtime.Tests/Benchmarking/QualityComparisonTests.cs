using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Latents;
using OnnxDiffusion.Core.Tensors;
using OnnxDiffusion.Runtime.Benchmarking;
using OnnxDiffusion.TestSupport;

namespace OnnxDiffusion.Runtime.Tests.Benchmarking;

[Category("Unit")]
public sealed class QualityComparisonTests
{
    [Test]
    public void Compare_SameFiles_IsPerfect()
    {
        using var temp = new TempDir();
        VariantMeasurement reference = Variant(temp, "ref", latentOffset: 0, imageOffset: 0);
        SampleQuality q = QualityComparison.Compare(reference, reference).Single();
        Assert.That(q.LatentRmse, Is.Zero);
        Assert.That(q.LatentCosine, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(q.PsnrDb, Is.EqualTo(double.PositiveInfinity));
        Assert.That(q.Ssim, Is.EqualTo(1.0).Within(1e-9));
    }

    [Test]
    public void Compare_ConstantOffsets_MatchClosedForm()
    {
        using var temp = new TempDir();
        VariantMeasurement reference = Variant(temp, "ref", latentOffset: 0, imageOffset: 0);
        VariantMeasurement shifted = Variant(temp, "shifted", latentOffset: 0.5f, imageOffset: 0.1f);
        SampleQuality q = QualityComparison.Compare(reference, shifted).Single();
        // Every latent differs by 0.5 → RMSE 0.5; every pixel by 0.1 → MSE 0.01 → PSNR 20 dB.
        Assert.That(q.LatentRmse, Is.EqualTo(0.5).Within(1e-6));
        Assert.That(q.PsnrDb, Is.EqualTo(20.0).Within(1e-4));
        Assert.That(q.Ssim, Is.LessThan(1.0).And.GreaterThan(0.0));
        Assert.That(q.LatentCosine, Is.LessThan(1.0).And.GreaterThan(-1.0));
    }

    [Test]
    public void Summarize_TwoSamples_AveragesEachMetric()
    {
        QualityStats stats = QualityComparison.Summarize(
        [
            new SampleQuality(0, 0, 1.0, 0.5, 10.0, 0.25),
            new SampleQuality(1, 0, 3.0, 1.0, 30.0, 0.75),
        ]);
        Assert.That(stats, Is.EqualTo(new QualityStats(2.0, 0.75, 20.0, 0.5, 2)));
    }

    [Test]
    public void Compare_ShapeMismatch_ThrowsRuntimeFailure()
    {
        using var temp = new TempDir();
        VariantMeasurement reference = Variant(temp, "ref", 0, 0);
        VariantMeasurement other = Variant(temp, "small", 0, 0, size: 8);
        Assert.Throws<RuntimeFailureException>(() => QualityComparison.Compare(reference, other));
    }

    private static VariantMeasurement Variant(TempDir temp, string name, float latentOffset, float imageOffset,
        int size = 16)
    {
        // A smooth gradient image in 0.1..0.8 and latents in −1..1, then shifted by the offsets.
        var latents = new FloatTensor(1, 4, size / 8, size / 8);
        for (int i = 0; i < latents.Length; i++)
        {
            latents.Data[i] = (i % 7 - 3) / 3f + latentOffset;
        }

        var image = new FloatTensor(1, size, size, 3);
        for (int i = 0; i < image.Length; i++)
        {
            image.Data[i] = 0.1f + 0.7f * (i % (size * 3)) / (size * 3) + imageOffset;
        }

        string latentsFile = temp.File($"{name}-latents.npy"), imageFile = temp.File($"{name}-image.npy");
        NpyFile.Write(latentsFile, latents);
        NpyFile.Write(imageFile, image);
        return new VariantMeasurement
        {
            Name = name, LoadMs = [], UNetLoopMs = [], SamplingStepMs = [], TextEncoderMs = [], VaeDecoderMs = [],
            EndToEndMs = [],
            Samples = [new SampleOutput { PromptIndex = 0, Seed = 7, LatentsFile = latentsFile, ImageFile = imageFile }],
        };
    }
}
