using System.Numerics.Tensors;

namespace OnnxDiffusion.Runtime.Sampling.Samplers;

/// <summary>
/// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2, data prediction, multistep second order;
/// k-diffusion / ComfyUI <c>sample_dpmpp_2m</c>). With λ = −ln σ and h = λ' − λ:
/// x ← (σ'/σ)·x − (e^{−h} − 1)·D̃, where D̃ = D on the first step and
/// D̃ = (1 + 1/(2r))·D − (1/(2r))·D_prev with r = h_prev/h afterwards. At σ' = 0 the update is exactly D.
/// </summary>
public sealed class DpmPlusPlus2MSampler : ISampler
{
    /// <inheritdoc />
    public string Name => SamplerNames.DpmPlusPlus2M;

    /// <inheritdoc />
    public SamplerTraits Traits => SamplerTraits.None;

    /// <inheritdoc />
    public void Sample(SamplingContext context, Span<float> x)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOnlySpan<float> sigmas = context.Sigmas;
        using var scratch = new ScratchBuffers(x.Length, 2);
        int current = 0;
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            Span<float> denoised = scratch[current];
            Span<float> previous = scratch[1 - current];
            context.Denoise(x, sigmas[i], denoised);
            context.Report(i, x, denoised);
            if (sigmas[i + 1] == 0)
            {
                denoised.CopyTo(x);
                break;
            }

            double t = -Math.Log(sigmas[i]);
            double h = -Math.Log(sigmas[i + 1]) - t;
            float ratio = sigmas[i + 1] / sigmas[i];
            float gain = (float)-TorchMath.ExpM1(-h);
            if (i == 0)
            {
                SamplerMath.Combine(x, ratio, denoised, gain);
            }
            else
            {
                double r = (t + Math.Log(sigmas[i - 1])) / h;
                // D̃ into the previous buffer (no longer needed after this step's use).
                TensorPrimitives.Multiply(previous, (float)(-1.0 / (2 * r)), previous);
                SamplerMath.AddScaled(previous, denoised, (float)(1 + (1.0 / (2 * r))));
                SamplerMath.Combine(x, ratio, previous, gain);
            }

            current = 1 - current;
        }
    }
}
