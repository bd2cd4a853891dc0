using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// DPM-Solver++(2M) SDE, midpoint variant, η = 1 (Lu et al. 2022; k-diffusion / ComfyUI
/// <c>sample_dpmpp_2m_sde</c>, EPS/V parameterisation where α = 1). With h = ln σ − ln σ':
/// x ← (σ'/σ)·e^{−h}·x + (1 − e^{−2h})·D, plus ½·(1 − e^{−2h})·(D − D_prev)/r with r = h_prev/h after the first
/// step, plus σ'·√(1 − e^{−2h})·ε. The last step (σ' = 0) returns D.
/// <para>
/// ε is ComfyUI's Brownian-tree increment over [σ', σ] normalised by its standard deviation; increments over the
/// disjoint steps are independent standard normals, drawn here from the context generator (same law, not the same
/// numbers as torchsde).
/// </para>
/// </summary>
public sealed class DpmPlusPlus2MSdeSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.DpmPlusPlus2MSde;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.Stochastic;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, 3);
        Span<float> noise = scratch[2];
        int current = 0;
        double previousH = 0;
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            Span<float> denoised = scratch[current];
            Span<float> previous = scratch[1 - current];
            float sigma = sigmas[i];
            float next = sigmas[i + 1];
            context.Denoise(x, sigma, denoised);
            context.Report(i, x, denoised);
            if (next == 0)
            {
                denoised.CopyTo(x);
                break;
            }

            double h = Math.Log(sigma) - Math.Log(next);
            double gain = -TorchMath.ExpM1(-2 * h);
            SamplerMath.Combine(x, (float)(next / sigma * Math.Exp(-h)), denoised, (float)gain);
            if (i > 0)
            {
                // x += ½·gain·(1/r)·(D − D_prev); the previous buffer becomes D − D_prev.
                double r = previousH / h;
                TensorPrimitives.Subtract(denoised, previous, previous);
                SamplerMath.AddScaled(x, previous, (float)(0.5 * gain / r));
            }

            context.Noise.FillNormal(noise);
            SamplerMath.AddScaled(x, noise, (float)(next * Math.Sqrt(gain)));
            previousH = h;
            current = 1 - current;
        }
    }
}
