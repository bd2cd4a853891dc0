namespace OnnxDiffusion.Runtime.Sampling.KSampler;

/// <summary>
/// ComfyUI's <c>KSamplerX0Inpaint</c>: wraps a denoiser so that only the masked region is generated. With mask m
/// (1 = denoise, 0 = keep), before every model call x ← x·m + (latent + σ·noise)·(1 − m), and after it
/// D ← D·m + latent·(1 − m), where latent is the scaled input latent and noise the initial noise (or seed + 1
/// noise for <see cref="SamplerTraits.RandomInpaintNoise"/> samplers). Not thread-safe.
/// </summary>
public sealed class InpaintDenoiser : IDenoiser
{
    private readonly IDenoiser _inner;
    private readonly float[] _mask;
    private readonly float[] _keep;
    private readonly float[] _latent;
    private readonly float[] _noise;
    private readonly float[] _input;

    /// <summary>Creates the wrapper; all arrays have the latent length and are not copied.</summary>
    /// <param name="inner">The guided denoiser.</param>
    /// <param name="mask">Denoise mask at latent resolution, repeated over channels and batch (0 … 1).</param>
    /// <param name="latent">The scaled input latent.</param>
    /// <param name="noise">Unscaled noise used to re-noise the kept region at each σ.</param>
    public InpaintDenoiser(IDenoiser inner, float[] mask, float[] latent, float[] noise)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(noise);
        if (latent.Length != mask.Length || noise.Length != mask.Length)
        {
            throw new ArgumentException(
                $"Mask ({mask.Length}), latent ({latent.Length}) and noise ({noise.Length}) lengths differ.");
        }

        _inner = inner;
        _mask = mask;
        _latent = latent;
        _noise = noise;
        _keep = new float[mask.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            _keep[i] = 1f - mask[i];
        }

        _input = new float[mask.Length];
    }

    /// <inheritdoc />
    public void Denoise(ReadOnlySpan<float> x, float sigma, Span<float> denoised)
    {
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (x[i] * _mask[i]) + (((_noise[i] * sigma) + _latent[i]) * _keep[i]);
        }

        _inner.Denoise(_input, sigma, denoised);
        for (int i = 0; i < _input.Length; i++)
        {
            denoised[i] = (denoised[i] * _mask[i]) + (_latent[i] * _keep[i]);
        }
    }
}
