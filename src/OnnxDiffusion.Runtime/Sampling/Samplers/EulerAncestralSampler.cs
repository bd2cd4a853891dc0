namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// Ancestral Euler (k-diffusion / ComfyUI <c>sample_euler_ancestral</c>, η = 1, s_noise = 1): an Euler step to
/// σ_down, then σ_up-scaled fresh noise from the context generator, one draw of the latent's size per step. When
/// σ_down = 0 (the last step) it returns D and draws nothing.
/// </summary>
public sealed class EulerAncestralSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.EulerAncestral;

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
            (float down, float up) = SamplerMath.AncestralStep(sigmas[i], sigmas[i + 1]);
            context.Report(i, x, denoised);
            if (down == 0)
            {
                denoised.CopyTo(x);
                continue;
            }

            SamplerMath.ToDerivative(x, denoised, sigmas[i], denoised);
            SamplerMath.AddScaled(x, denoised, down - sigmas[i]);
            context.Noise.FillNormal(noise);
            SamplerMath.AddScaled(x, noise, up);
        }
    }
}
