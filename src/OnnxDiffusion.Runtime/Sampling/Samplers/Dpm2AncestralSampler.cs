namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// <see cref="Dpm2Sampler"/>'s midpoint step toward σ_down followed by σ_up-scaled fresh noise (η = 1;
/// k-diffusion / ComfyUI <c>sample_dpm_2_ancestral</c>). When σ_down = 0 it takes an Euler step and draws no
/// noise. ComfyUI discards the penultimate σ for this sampler.
/// </summary>
public sealed class Dpm2AncestralSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.Dpm2Ancestral;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.Stochastic | SamplerTraits.DiscardPenultimateSigma;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, 4);
        Span<float> d = scratch[0];
        Span<float> x2 = scratch[1];
        Span<float> d2 = scratch[2];
        Span<float> noise = scratch[3];
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            float sigma = sigmas[i];
            context.Denoise(x, sigma, d);
            (float down, float up) = SamplerMath.AncestralStep(sigma, sigmas[i + 1]);
            context.Report(i, x, d);
            SamplerMath.ToDerivative(x, d, sigma, d);
            if (down == 0)
            {
                SamplerMath.AddScaled(x, d, down - sigma);
                continue;
            }

            float mid = Dpm2Sampler.MidSigma(sigma, down);
            SamplerMath.AddScaled(x, d, mid - sigma, x2);
            context.Denoise(x2, mid, d2);
            SamplerMath.ToDerivative(x2, d2, mid, d2);
            SamplerMath.AddScaled(x, d2, down - sigma);
            context.Noise.FillNormal(noise);
            SamplerMath.AddScaled(x, noise, up);
        }
    }
}
