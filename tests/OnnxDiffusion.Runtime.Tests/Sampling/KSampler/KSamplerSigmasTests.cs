using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling.KSampler;

[Category("Unit")]
public sealed class KSamplerSigmasTests
{
    private static readonly ModelSamplingDiscrete s_ms = ModelSamplingDiscrete.Default;
    private static readonly ISigmaSchedule s_normal = SamplingRegistry.GetSchedule("normal");

    [Test]
    public void Calculate_DiscardPenultimateSampler_ComputesOneMoreAndDropsSecondToLast()
    {
        float[] longer = s_normal.GetSigmas(11, s_ms);
        float[] sigmas = KSamplerSigmas.Calculate(s_ms, s_normal, SamplingRegistry.GetSampler("dpm_2"), 10);
        Assert.That(sigmas, Is.EqualTo(longer.Take(10).Append(0f)));
    }

    [Test]
    public void Calculate_OrdinarySampler_IsTheScheduleItself()
    {
        float[] sigmas = KSamplerSigmas.Calculate(s_ms, s_normal, SamplingRegistry.GetSampler("euler"), 10);
        Assert.That(sigmas, Is.EqualTo(s_normal.GetSigmas(10, s_ms)));
    }

    [Test]
    public void ForDenoise_Steps20Denoise087_UsesLast21Of22StepSchedule()
    {
        float[] sigmas = KSamplerSigmas.ForDenoise(s_ms, s_normal, SamplingRegistry.GetSampler("euler"), 20, 0.87);
        // int(20/0.87) = 22 steps (23 values); the last 21 are used.
        Assert.That(sigmas, Is.EqualTo(s_normal.GetSigmas(22, s_ms)[^21..]));
    }

    [TestCase(0.0)]
    [TestCase(-0.5)]
    public void ForDenoise_NonPositive_IsEmpty(double denoise)
    {
        Assert.That(KSamplerSigmas.ForDenoise(s_ms, s_normal, SamplingRegistry.GetSampler("euler"), 20, denoise),
            Is.Empty);
    }

    [Test]
    public void ForDenoise_AboveThreshold_IsFullSchedule()
    {
        Assert.That(KSamplerSigmas.ForDenoise(s_ms, s_normal, SamplingRegistry.GetSampler("euler"), 20, 0.99995),
            Is.EqualTo(s_normal.GetSigmas(20, s_ms)));
    }

    [Test]
    public void ApplyStartEnd_LeftoverNoise_KeepsLastSigma()
    {
        float[] full = s_normal.GetSigmas(20, s_ms);
        float[]? first = KSamplerSigmas.ApplyStartEnd(full, startStep: 0, lastStep: 12, forceFullDenoise: false);
        Assert.That(first, Is.EqualTo(full[..13]));
        float[]? forced = KSamplerSigmas.ApplyStartEnd(full, startStep: 0, lastStep: 12, forceFullDenoise: true);
        Assert.That(forced, Is.EqualTo(full[..12].Append(0f)));
        float[]? second = KSamplerSigmas.ApplyStartEnd(full, startStep: 12, lastStep: 10000, forceFullDenoise: true);
        Assert.That(second, Is.EqualTo(full[12..]));
    }

    [TestCase(20, null)]
    [TestCase(25, null)]
    [TestCase(5, 5)]
    public void ApplyStartEnd_StartAtOrPastEnd_ReturnsNull(int start, int? last)
    {
        Assert.That(KSamplerSigmas.ApplyStartEnd(s_normal.GetSigmas(20, s_ms), start, last, true), Is.Null);
    }
}
