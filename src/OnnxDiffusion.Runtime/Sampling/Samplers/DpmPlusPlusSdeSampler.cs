using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// DPM-Solver++ stochastic, second order with r = ½ and η = 1 (Lu et al. 2022, "DPM-Solver++", SDE variant;
/// k-diffusion / ComfyUI <c>sample_dpmpp_sde</c>, EPS/V parameterisation where α = 1). Per step, with
/// σ_mid = √(σ·σ'): an ancestral data-prediction step to σ_mid with noise ε₁, a second model call there, then an
/// ancestral step from σ to σ' using D(x₂, σ_mid) with noise ε₂. The last step (σ' = 0) returns D.
/// <para>
/// Noise: ComfyUI takes ε₁ = W(σ→σ_mid)/√(σ − σ_mid) and ε₂ = W(σ→σ')/√(σ − σ') from one Brownian path W
/// (torchsde BrownianTree seeded with the seed). The increments are drawn here with exactly that law — ε₂ shares
/// the σ→σ_mid increment with ε₁ (correlation √((σ − σ_mid)/(σ − σ'))) and disjoint steps are independent —
/// from the context generator, so results match ComfyUI in distribution, not bit for bit.
/// </para>
/// </summary>
public sealed class DpmPlusPlusSdeSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.DpmPlusPlusSde;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.Stochastic;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, 5);
        Span<float> denoised = scratch[0];
        Span<float> x2 = scratch[1];
        Span<float> denoised2 = scratch[2];
        Span<float> noise1 = scratch[3];
        Span<float> noise2 = scratch[4];
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            float sigma = sigmas[i];
            float next = sigmas[i + 1];
            context.Denoise(x, sigma, denoised);
            context.Report(i, x, denoised);
            if (next == 0)
            {
                denoised.CopyTo(x);
                continue;
            }

            float mid = (float)Math.Exp(0.5 * (Math.Log(sigma) + Math.Log(next)));
            context.Noise.FillNormal(noise1);
            context.Noise.FillNormal(noise2);
            BrownianIncrement(noise1, noise2, sigma - mid, mid - next);

            // Step 1: x₂ = (sd/σ)·x + (1 − sd/σ)·D + ε₁·su toward σ_mid.
            (float down, float up) = SamplerMath.AncestralStep(sigma, mid);
            x.CopyTo(x2);
            SamplerMath.Combine(x2, down / sigma, denoised, 1 - (down / sigma));
            SamplerMath.AddScaled(x2, noise1, up);
            context.Denoise(x2, mid, denoised2);

            // Step 2: D̃ = (1 − fac)·D + fac·D₂ with fac = 1/(2r) = 1, i.e. D₂; ancestral step from σ to σ'.
            (down, up) = SamplerMath.AncestralStep(sigma, next);
            SamplerMath.Combine(x, down / sigma, denoised2, 1 - (down / sigma));
            SamplerMath.AddScaled(x, noise2, up);
        }
    }

    /// <summary>
    /// Turns two independent standard normals into (ε₁, ε₂) of one Brownian path: with a = σ − σ_mid and
    /// b = σ_mid − σ', ε₂ = (√a·z₁ + √b·z₂)/√(a + b) while ε₁ = z₁.
    /// </summary>
    internal static void BrownianIncrement(ReadOnlySpan<float> z1, Span<float> z2, float a, float b)
    {
        float total = MathF.Sqrt(a + b);
        float wa = MathF.Sqrt(a) / total;
        float wb = MathF.Sqrt(b) / total;
        TensorPrimitives.Multiply(z2, wb, z2);
        SamplerMath.AddScaled(z2, z1, wa);
    }
}
