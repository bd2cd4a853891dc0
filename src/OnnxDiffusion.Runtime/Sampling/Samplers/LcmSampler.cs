namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// Latent consistency model sampling (Luo et al. 2023, multistep consistency sampling; k-diffusion / ComfyUI
/// <c>sample_lcm</c>): x ← D, then for σ' &gt; 0 re-noise with EPS noise scaling x ← D + σ'·ε, one fresh draw of
/// the latent's size per step.
/// </summary>
public sealed class LcmSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.Lcm;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.Stochastic;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, 2);
        Span<float> denoised = scratch[0];
        Span<float> noise = scratch[1];
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            context.Denoise(x, sigmas[i], denoised);
            context.Report(i, x, denoised);
            if (sigmas[i + 1] > 0)
            {
                context.Noise.FillNormal(noise);
                SamplerMath.AddScaled(denoised, noise, sigmas[i + 1], x);
            }
            else
            {
                denoised.CopyTo(x);
            }
        }
    }
}
