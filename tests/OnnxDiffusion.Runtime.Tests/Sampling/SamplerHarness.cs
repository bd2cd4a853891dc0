using OnnxDiffusion.Runtime.Rng;
using OnnxDiffusion.Runtime.Sampling;
using OnnxDiffusion.Runtime.Sampling.KSampler;

namespace OnnxDiffusion.Runtime.Tests.Sampling;

/// <summary>Runs registered samplers on test denoisers with ComfyUI's σ lists.</summary>
internal static class SamplerHarness
{
    public static IEnumerable<TestCaseData> AllSamplers() =>
        SamplingRegistry.Samplers.Select(s => new TestCaseData(s.Name).SetArgDisplayNames(s.Name));

    public static IEnumerable<TestCaseData> Deterministic() => SamplingRegistry.Samplers
        .Where(s => (s.Traits & SamplerTraits.Stochastic) == 0)
        .Select(s => new TestCaseData(s.Name).SetArgDisplayNames(s.Name));

    public static IEnumerable<TestCaseData> Stochastic() => SamplingRegistry.Samplers
        .Where(s => (s.Traits & SamplerTraits.Stochastic) != 0)
        .Select(s => new TestCaseData(s.Name).SetArgDisplayNames(s.Name));

    /// <summary>
    /// Stochastic samplers whose output law approaches the data distribution within about 1% at 120 steps. Not
    /// LCM (it needs a consistency model) nor ancestral Euler (its variance bias is still about 3% at 300 steps);
    /// both are checked against their exact finite-step laws instead.
    /// </summary>
    public static IEnumerable<TestCaseData> ConvergingStochastic() => Stochastic()
        .Where(c => (string)c.Arguments[0]! is not ("lcm" or "euler_ancestral"));

    /// <summary>ComfyUI's σ list for this sampler (karras unless told), with the discarded-penultimate rule.</summary>
    public static float[] Sigmas(ISampler sampler, int steps, string schedule = "karras") =>
        KSamplerSigmas.Calculate(
            ModelSamplingDiscrete.Default, SamplingRegistry.GetSchedule(schedule), sampler, steps);

    public static float[] Run(
        string name, IDenoiser denoiser, float[] sigmas, float[] start, ulong seed = 1, RngKind rng = RngKind.Philox)
    {
        var x = (float[])start.Clone();
        var context = new SamplingContext(denoiser, sigmas, RandomSources.Create(rng, seed));
        SamplingRegistry.GetSampler(name).Sample(context, x);
        return x;
    }
}

/// <summary>D ≡ c: every sampler must land on c when the last σ is 0.</summary>
internal sealed class ConstantDenoiser(float value) : IDenoiser
{
    public int Calls { get; private set; }

    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised)
    {
        Calls++;
        denoised.Fill(value);
    }
}
