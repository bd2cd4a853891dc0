using OnnxDiffusion.Runtime.Sampling.Schedules;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

[Category("Unit")]
public sealed class BetaDistributionTests
{
    [TestCase(0.1)]
    [TestCase(0.37)]
    [TestCase(0.5)]
    [TestCase(0.93)]
    public void Cdf_ClosedFormCases_Match(double x)
    {
        Assert.That(BetaDistribution.Cdf(x, 1, 1), Is.EqualTo(x).Within(1e-13));
        Assert.That(BetaDistribution.Cdf(x, 2, 1), Is.EqualTo(x * x).Within(1e-13));
        Assert.That(BetaDistribution.Cdf(x, 1, 2), Is.EqualTo(1 - ((1 - x) * (1 - x))).Within(1e-13));
        // Arcsine law: I_x(½, ½) = (2/π)·asin(√x).
        Assert.That(BetaDistribution.Cdf(x, 0.5, 0.5), Is.EqualTo(2 / Math.PI * Math.Asin(Math.Sqrt(x))).Within(1e-12));
    }

    [Test]
    public void Cdf_SymmetricShape_IsHalfAtMidpoint()
    {
        Assert.That(BetaDistribution.Cdf(0.5, 0.6, 0.6), Is.EqualTo(0.5).Within(1e-14));
    }

    [TestCase(0.05)]
    [TestCase(0.3)]
    [TestCase(0.77)]
    public void InverseCdf_ArcsineLaw_MatchesClosedForm(double p)
    {
        // Inverse of (2/π)·asin(√x): x = sin²(π·p/2).
        double expected = Math.Pow(Math.Sin(Math.PI * p / 2), 2);
        Assert.That(BetaDistribution.InverseCdf(p, 0.5, 0.5), Is.EqualTo(expected).Within(1e-12));
    }

    [Test]
    public void LogGamma_KnownValues_Match()
    {
        Assert.That(BetaDistribution.LogGamma(0.5), Is.EqualTo(0.5 * Math.Log(Math.PI)).Within(1e-13));
        Assert.That(BetaDistribution.LogGamma(5), Is.EqualTo(Math.Log(24)).Within(1e-12));
        Assert.That(BetaDistribution.LogGamma(1.2), Is.EqualTo(-0.085374090003315).Within(1e-12));
    }
}
