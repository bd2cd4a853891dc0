namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// A second-order midpoint method inspired by DPM-Solver-2 (Lu et al. 2022) and Karras et al. 2022 Algorithm 2
/// (k-diffusion / ComfyUI <c>sample_dpm_2</c>): the derivative is re-evaluated at the geometric mean
/// σ_mid = √(σ·σ'). The last step is Euler. ComfyUI discards the penultimate σ for this sampler.
/// </summary>
public sealed class Dpm2Sampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.Dpm2;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.DiscardPenultimateSigma;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, 3);
        Span<float> d = scratch[0];
        Span<float> x2 = scratch[1];
        Span<float> d2 = scratch[2];
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            float sigma = sigmas[i];
            float next = sigmas[i + 1];
            context.Denoise(x, sigma, d);
            context.Report(i, x, d);
            SamplerMath.ToDerivative(x, d, sigma, d);
            if (next == 0)
            {
                SamplerMath.AddScaled(x, d, next - sigma);
                continue;
            }

            float mid = MidSigma(sigma, next);
            SamplerMath.AddScaled(x, d, mid - sigma, x2);
            context.Denoise(x2, mid, d2);
            SamplerMath.ToDerivative(x2, d2, mid, d2);
            SamplerMath.AddScaled(x, d2, next - sigma);
        }
    }

    /// <summary>exp(lerp(ln σ, ln σ', ½)) in float32, with torch's lerp formula for weight ½.</summary>
    internal static float MidSigma(float sigma, float next)
    {
        float a = MathF.Log(sigma);
        float b = MathF.Log(next);
        return MathF.Exp(b - ((b - a) * 0.5f));
    }
}
