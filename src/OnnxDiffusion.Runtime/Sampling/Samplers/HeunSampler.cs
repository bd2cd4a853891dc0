using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// Heun's second-order method: Karras et al. 2022, Algorithm 2 with S_churn = 0 (k-diffusion / ComfyUI
/// <c>sample_heun</c>). Two model calls per step; the last step (σ' = 0) is a plain Euler step.
/// </summary>
public sealed class HeunSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.Heun;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.None;

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
            float dt = next - sigma;
            if (next == 0)
            {
                SamplerMath.AddScaled(x, d, dt);
                continue;
            }

            SamplerMath.AddScaled(x, d, dt, x2);
            context.Denoise(x2, next, d2);
            SamplerMath.ToDerivative(x2, d2, next, d2);
            // d' = (d + d₂)/2; x ← x + d'·dt
            TensorPrimitives.Add(d, d2, d);
            TensorPrimitives.Divide(d, 2f, d);
            SamplerMath.AddScaled(x, d, dt);
        }
    }
}
