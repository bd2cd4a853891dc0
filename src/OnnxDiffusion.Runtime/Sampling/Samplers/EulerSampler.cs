namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// Euler steps on the probability-flow ODE dx/dσ = (x − D)/σ: Karras et al. 2022, Algorithm 2 with
/// S_churn = 0 (k-diffusion / ComfyUI <c>sample_euler</c>). At σ' = 0 the step lands on D.
/// </summary>
public sealed class EulerSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.Euler;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.None;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x) => Run(context, x);

    /// <summary>The Euler loop, shared with <see cref="DdimSampler"/>.</summary>
    internal static void Run(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, 1);
        Span<float> denoised = scratch[0];
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            context.Denoise(x, sigmas[i], denoised);
            context.Report(i, x, denoised);
            SamplerMath.ToDerivative(x, denoised, sigmas[i], denoised);
            SamplerMath.AddScaled(x, denoised, sigmas[i + 1] - sigmas[i]);
        }
    }
}
