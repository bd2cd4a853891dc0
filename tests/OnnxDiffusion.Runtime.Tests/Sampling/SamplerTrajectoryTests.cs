using OnnxDiffusion.Runtime.Sampling;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

/// <summary>
/// Samplers on the Gaussian toy problem (data N(μᵢ, s²)): deterministic ones must converge to the exact
/// probability-flow ODE solution at the rate of their order; stochastic ones must produce the right distribution.
/// </summary>
[Category("Unit")]
public sealed class SamplerTrajectoryTests
{
    private const double Spread = 0.5;

    // Global order of each method (literature) and a constant calibrated on this problem: error ≤ C/N^order.
    private static readonly Dictionary<string, (int Order, double Constant)> s_orders = new()
    {
        ["euler"] = (1, 3.5),
        ["ddim"] = (1, 3.5),
        ["heun"] = (2, 12),
        ["dpm_2"] = (2, 12),
        ["dpmpp_2m"] = (2, 12),
        ["lms"] = (3, 100),
        ["uni_pc"] = (2, 12),
        ["uni_pc_bh2"] = (2, 12),
    };

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.Deterministic))]
    public void Sample_GaussianToy_ConvergesToExactOdeSolution(string name)
    {
        Assert.That(s_orders.ContainsKey(name), $"Add the order of '{name}' to this test.");
        (int order, double constant) = s_orders[name];
        var toy = new GaussianToy(256, Spread);
        ISampler sampler = SamplingRegistry.GetSampler(name);
        foreach (int steps in new[] { 20, 40, 80, 160 })
        {
            // Stop at the smallest positive σ (no final denoise) so only the ODE discretisation error is measured.
            float[] sigmas = SamplerHarness.Sigmas(sampler, steps)[..^1];
            float[] start = toy.StartAt(sigmas[0], seed: 3);
            float[] result = SamplerHarness.Run(name, toy, sigmas, start);
            double worst = 0;
            for (int i = 0; i < result.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(result[i] - toy.OdeSolution(start[i], i, sigmas[0], sigmas[^1])));
            }

            double tolerance = constant / Math.Pow(steps, order);
            Assert.That(worst, Is.LessThanOrEqualTo(tolerance), $"{name}, {steps} steps: max error {worst:G3}");
        }
    }

    [TestCaseSource(typeof(SamplerHarness), nameof(SamplerHarness.ConvergingStochastic))]
    public void Sample_ManySteps_ReachesTargetDistribution(string name)
    {
        var toy = new GaussianToy(16384, Spread);
        ISampler sampler = SamplingRegistry.GetSampler(name);
        float[] sigmas = SamplerHarness.Sigmas(sampler, 120);
        float[] start = toy.StartAt(sigmas[0], seed: 3);
        float[] result = SamplerHarness.Run(name, toy, sigmas, start, seed: 11);
        (double mean, double variance) = ResidualMoments(toy, result);
        // Standard errors: mean s/√n ≈ 0.004, variance √(2/n) ≈ 1.1% relative; discretisation bias is about 1%.
        Assert.That(mean, Is.EqualTo(0).Within(0.016), "mean of x − μ");
        Assert.That(variance, Is.EqualTo(Spread * Spread).Within(0.04 * Spread * Spread), "variance of x − μ");
    }

    [TestCase("euler_ancestral", 8)]
    [TestCase("euler_ancestral", 16)]
    [TestCase("lcm", 4)]
    [TestCase("lcm", 12)]
    public void Sample_FewSteps_MatchesExactLinearGaussianVariance(string name, int steps)
    {
        var toy = new GaussianToy(32768, Spread);
        float[] sigmas = SamplerHarness.Sigmas(SamplingRegistry.GetSampler(name), steps);
        float[] start = toy.StartAt(sigmas[0], seed: 4);
        float[] result = SamplerHarness.Run(name, toy, sigmas, start, seed: 12);
        (double mean, double variance) = ResidualMoments(toy, result);
        double expected = name == "lcm" ? LcmVariance(sigmas) : EulerAncestralVariance(sigmas);
        Assert.That(mean, Is.EqualTo(0).Within(0.01));
        Assert.That(variance, Is.EqualTo(expected).Within(0.03 * expected), $"expected variance {expected:G4}");
    }

    // With e = x − μ and a(σ) = s²/(s² + σ²), D − μ = a·e. Euler ancestral: e ← e·(1 + (σ_down − σ)·σ/(s² + σ²))
    // + σ_up·z, so Var ← c²·Var + σ_up²; the last step (σ_down = 0) returns D: Var ← a²·Var.
    private static double EulerAncestralVariance(float[] sigmas)
    {
        double s2 = Spread * Spread;
        double v = s2 + ((double)sigmas[0] * sigmas[0]);
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            double sigma = sigmas[i];
            double next = sigmas[i + 1];
            double up = Math.Min(next, Math.Sqrt(next * next * ((sigma * sigma) - (next * next)) / (sigma * sigma)));
            double down = Math.Sqrt((next * next) - (up * up));
            double c = down == 0 ? s2 / (s2 + (sigma * sigma)) : 1 + ((down - sigma) * sigma / (s2 + (sigma * sigma)));
            v = (c * c * v) + (up * up);
        }

        return v;
    }

    // LCM: x ← D + σ'·z, so Var ← a²·Var + σ'².
    private static double LcmVariance(float[] sigmas)
    {
        double s2 = Spread * Spread;
        double v = s2 + ((double)sigmas[0] * sigmas[0]);
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            double a = s2 / (s2 + ((double)sigmas[i] * sigmas[i]));
            v = (a * a * v) + ((double)sigmas[i + 1] * sigmas[i + 1]);
        }

        return v;
    }

    private static (double Mean, double Variance) ResidualMoments(GaussianToy toy, float[] result)
    {
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < result.Length; i++)
        {
            double r = result[i] - toy.Mean[i];
            sum += r;
            squares += r * r;
        }

        double mean = sum / result.Length;
        return (mean, (squares / result.Length) - (mean * mean));
    }
}
