namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// The denoiser D(x, σ) every sampler calls (k-diffusion's "model"): the estimate of the clean latent given the
/// noisy latent <c>x</c> at noise level σ. Classifier-free guidance, the model call, prediction-type conversion
/// and inpaint blending all happen behind it (see <see cref="KSampler.CfgDenoiser"/>). Implementations may keep
/// scratch buffers and are not required to be thread-safe.
/// </summary>
public interface IDenoiser
{
    /// <summary>Writes D(<paramref name="x"/>, <paramref name="sigma"/>) to <paramref name="denoised"/>.</summary>
    /// <param name="x">
    /// Noisy latent in sampler space (scaled latent plus σ-scaled noise), flattened [B, C, H, W].
    /// </param>
    /// <param name="sigma">Noise level σ &gt; 0.</param>
    /// <param name="denoised">Destination, same length as <paramref name="x"/>; must not overlap it.</param>
    void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised);
}
