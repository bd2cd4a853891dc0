using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

[Category("Unit")]
public sealed class ModelSamplingDiscreteTests
{
    [Test]
    public void Sigmas_Sd1Defaults_MatchPublishedExtremes()
    {
        var ms = ModelSamplingDiscrete.Default;
        Assert.That(ms.Sigmas.Length, Is.EqualTo(1000));
        Assert.That(ms.SigmaMin, Is.EqualTo(0.0291671585f).Within(1e-8f));
        Assert.That(ms.SigmaMax, Is.EqualTo(14.6146412f).Within(1e-5f));
        Assert.That(ms.Sigmas[1], Is.EqualTo(0.0413144f).Within(1e-6f));
    }

    [Test]
    public void Sigmas_FirstEntry_MatchesClosedFormOfFirstBeta()
    {
        // σ₀ = √(β₀/(1 − β₀)) with β₀ = 0.00085.
        Assert.That(ModelSamplingDiscrete.Default.Sigmas[0], Is.EqualTo((float)Math.Sqrt(0.00085 / (1 - 0.00085))));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(500)]
    [TestCase(999)]
    public void Timestep_GridSigma_ReturnsItsIndex(int t)
    {
        var ms = ModelSamplingDiscrete.Default;
        Assert.That(ms.Timestep(ms.Sigmas[t]), Is.EqualTo(t));
        Assert.That(ms.Sigma(t), Is.EqualTo(ms.Sigmas[t]).Within(ms.Sigmas[t] * 1e-6f));
    }

    [Test]
    public void Timestep_BetweenGridPoints_ReturnsNearestInLogSpace()
    {
        var ms = ModelSamplingDiscrete.Default;
        float a = ms.Sigmas[300];
        float b = ms.Sigmas[301];
        float nearA = MathF.Exp((0.7f * MathF.Log(a)) + (0.3f * MathF.Log(b)));
        float nearB = MathF.Exp((0.3f * MathF.Log(a)) + (0.7f * MathF.Log(b)));
        Assert.That(ms.Timestep(nearA), Is.EqualTo(300));
        Assert.That(ms.Timestep(nearB), Is.EqualTo(301));
        Assert.That(ms.Timestep(1000f), Is.EqualTo(999));
        Assert.That(ms.Timestep(1e-4f), Is.EqualTo(0));
    }

    [Test]
    public void Sigma_FractionalTimestep_InterpolatesLogSigma()
    {
        var ms = ModelSamplingDiscrete.Default;
        double expected = Math.Exp((0.75 * Math.Log(ms.Sigmas[10])) + (0.25 * Math.Log(ms.Sigmas[11])));
        Assert.That(ms.Sigma(10.25f), Is.EqualTo(expected).Within(expected * 1e-6));
        Assert.That(ms.Sigma(-5f), Is.EqualTo(ms.SigmaMin).Within(1e-7f));
        Assert.That(ms.Sigma(5000f), Is.EqualTo(ms.SigmaMax).Within(1e-5f));
    }

    [Test]
    public void Constructor_ZeroTerminalSnr_KeepsFirstSigmaAndEndsAtTinyAlphaBar()
    {
        var zsnr = new ModelSamplingDiscrete(zeroTerminalSnr: true);
        double expectedLast = Math.Sqrt((1 - 4.8973451890853435e-08) / 4.8973451890853435e-08);
        Assert.That(zsnr.SigmaMax, Is.EqualTo((float)expectedLast).Within(0.01f));
        Assert.That(zsnr.SigmaMin, Is.EqualTo(ModelSamplingDiscrete.Default.SigmaMin).Within(1e-6f));
    }
}
